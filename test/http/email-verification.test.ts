import { describe, expect, it } from 'vitest'
import type { UserId } from '../../src/domain/user.js'
import { TestClient } from '../support/app-harness.js'
import { bodyOf, expectProblem, HOUR, logIn, PASSWORD, post, SEC, setup, signedIn } from './helpers.js'

// docs/http-contract.md, "Account lifecycle": POST /email/verify/request and POST /email/verify,
// the verification mail at registration, and EMAIL_VERIFICATION=off|optional|required.

const verifyMailsTo = (t: Awaited<ReturnType<typeof setup>>, address: string) =>
  t.outbox.to(address).filter((m) => m.purpose === 'verify_email')

describe('the verification mail at registration', () => {
  it('goes to the new address with a token valid for 24 hours; the account starts unverified', async () => {
    const t = await setup({ mail: true })
    const res = await t.client.request('/register', post({ email: 'Ada@Example.com', password: PASSWORD }))
    expect(res.status).toBe(201)
    expect(((await bodyOf(res)).user as { emailVerified: boolean }).emailVerified).toBe(false)
    await t.background.settled()
    const [mail, ...more] = verifyMailsTo(t, 'ada@example.com')
    expect(more).toEqual([])
    expect(mail).toMatchObject({ purpose: 'verify_email', to: 'ada@example.com', validFor: 24 * HOUR })
    expect(mail && 'token' in mail && mail.token).toMatch(/^[A-Za-z0-9_-]{16,64}\.[A-Za-z0-9_-]{43}$/)
  })

  it('is not sent with EMAIL_VERIFICATION=off, and asking for one is 404 (address-change links still work)', async () => {
    const t = await setup({ mail: true, policy: { emailVerification: 'off' } })
    const { client } = await signedIn(t, 'ada@example.com')
    await t.background.settled()
    expect(t.outbox.sent).toEqual([])
    await expectProblem(await client.request('/email/verify/request', post()), 404, 'not_found')
    await expectProblem(await client.request('/email/verify', post({ token: 'x' })), 400, 'invalid_token')
  })

  it('a registration succeeds when the mail cannot be sent; the failure is a security event and voids the token', async () => {
    const t = await setup({ mail: true })
    t.outbox.failing = true
    const res = await t.client.request('/register', post({ email: 'ada@example.com', password: PASSWORD }))
    expect(res.status).toBe(201)
    await t.background.settled()
    const userId = ((await bodyOf(res)).user as { id: UserId }).id
    expect(t.events.filter((e) => e.name === 'mail_failed')).toEqual([
      { name: 'mail_failed', fields: expect.objectContaining({ purpose: 'verify_email', userId }) },
    ])
    expect(await t.stores.tokens.listForUser(userId, t.clock.now())).toEqual([])
  })
})

describe('POST /email/verify', () => {
  it('verifies the address with the mailed token: 200 {user} with emailVerified true, and once only', async () => {
    const t = await setup({ mail: true })
    const { client } = await signedIn(t, 'ada@example.com')
    await t.background.settled()
    const token = t.outbox.lastToken('ada@example.com')
    // The link is opened by a person or a mail scanner with no cookie: the token alone is enough.
    const anonymous = new TestClient(t.app)
    const res = await anonymous.request('/email/verify', post({ token }))
    expect(res.status).toBe(200)
    expect((await bodyOf(res)).user).toMatchObject({ email: 'ada@example.com', emailVerified: true })
    expect(((await bodyOf(await client.request('/profile'))).user as { emailVerified: boolean }).emailVerified).toBe(
      true,
    )
    await expectProblem(await anonymous.request('/email/verify', post({ token })), 400, 'invalid_token')
  })

  it.each([
    ['an empty token', ''],
    ['a token of the wrong shape', 'not-a-token'],
    ['a well-shaped token nobody was sent', `${'u'.repeat(22)}.${'A'.repeat(43)}`],
  ])('refuses %s with 400 invalid_token', async (_, token) => {
    const t = await setup({ mail: true })
    await expectProblem(await t.client.request('/email/verify', post({ token })), 400, 'invalid_token')
  })

  it('refuses a body without a token with 400 invalid_request', async () => {
    const t = await setup({ mail: true })
    await expectProblem(await t.client.request('/email/verify', post({})), 400, 'invalid_request')
    await expectProblem(await t.client.request('/email/verify', post({ token: 1 })), 400, 'invalid_request')
  })

  it('refuses an expired token (24 hours)', async () => {
    const t = await setup({ mail: true })
    await signedIn(t, 'ada@example.com')
    await t.background.settled()
    const token = t.outbox.lastToken('ada@example.com')
    t.clock.advance(24 * HOUR + SEC)
    await expectProblem(await t.client.request('/email/verify', post({ token })), 400, 'invalid_token')
  })

  it('refuses a token whose secret was changed, and keeps the real one working', async () => {
    const t = await setup({ mail: true })
    await signedIn(t, 'ada@example.com')
    await t.background.settled()
    const token = t.outbox.lastToken('ada@example.com')
    const last = token.at(-1) === 'A' ? 'B' : 'A'
    const forged = `${token.slice(0, -1)}${last}`
    await expectProblem(await t.client.request('/email/verify', post({ token: forged })), 400, 'invalid_token')
    expect((await t.client.request('/email/verify', post({ token }))).status).toBe(200)
  })

  it("refuses one user's token presented under another user's id", async () => {
    const t = await setup({ mail: true })
    await signedIn(t, 'ada@example.com')
    const grace = await signedIn(t, 'grace@example.com')
    await t.background.settled()
    const secret = t.outbox.lastToken('ada@example.com').split('.')[1]
    const token = `${grace.userId}.${secret}`
    await expectProblem(await t.client.request('/email/verify', post({ token })), 400, 'invalid_token')
  })

  it('refuses a reset token (another purpose) and leaves it usable for its own purpose', async () => {
    const t = await setup({ mail: true })
    await signedIn(t, 'ada@example.com')
    await t.client.request('/password/forgot', post({ email: 'ada@example.com' }))
    await t.background.settled()
    expect(t.outbox.sent.at(-1)?.purpose).toBe('reset_password')
    const token = t.outbox.lastToken('ada@example.com')
    await expectProblem(await t.client.request('/email/verify', post({ token })), 400, 'invalid_token')
    const res = await t.client.request('/password/reset', post({ token, password: 'a new passphrase 42' }))
    expect(res.status).toBe(204)
  })

  it('lets exactly one of two racers spend a token', async () => {
    const t = await setup({ mail: true })
    await signedIn(t, 'ada@example.com')
    await t.background.settled()
    const token = t.outbox.lastToken('ada@example.com')
    const answers = await Promise.all([1, 2].map(() => new TestClient(t.app).request('/email/verify', post({ token }))))
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400])
  })

  it('refuses the token of a deleted account', async () => {
    const t = await setup({ mail: true })
    const { client } = await signedIn(t, 'ada@example.com')
    await t.background.settled()
    const token = t.outbox.lastToken('ada@example.com')
    const gone = await client.request('/account', { method: 'DELETE', json: { password: PASSWORD } })
    expect(gone.status).toBe(204)
    await expectProblem(await t.client.request('/email/verify', post({ token })), 400, 'invalid_token')
  })
})

describe('POST /email/verify/request', () => {
  it('mails a new link that supersedes the older one: 202 {}', async () => {
    const t = await setup({ mail: true })
    const { client } = await signedIn(t, 'ada@example.com')
    await t.background.settled()
    const first = t.outbox.lastToken('ada@example.com')
    const res = await client.request('/email/verify/request', post())
    expect(res.status).toBe(202)
    expect(await bodyOf(res)).toEqual({})
    const second = t.outbox.lastToken('ada@example.com')
    expect(second).not.toBe(first)
    await expectProblem(await t.client.request('/email/verify', post({ token: first })), 400, 'invalid_token')
    expect((await t.client.request('/email/verify', post({ token: second }))).status).toBe(200)
  })

  it('sends nothing to an address already verified, and still answers 202', async () => {
    const t = await setup({ mail: true })
    const { client } = await signedIn(t, 'ada@example.com')
    await t.background.settled()
    await t.client.request('/email/verify', post({ token: t.outbox.lastToken('ada@example.com') }))
    const before = t.outbox.sent.length
    expect((await client.request('/email/verify/request', post())).status).toBe(202)
    expect(t.outbox.sent.length).toBe(before)
  })

  it('needs a signed-in caller', async () => {
    const t = await setup({ mail: true })
    await expectProblem(await t.client.request('/email/verify/request', post()), 401, 'unauthorized')
  })

  it('allows 5 mails per address per hour (registration included), then 429 with Retry-After', async () => {
    const t = await setup({ mail: true })
    const { client } = await signedIn(t, 'ada@example.com')
    for (let i = 0; i < 4; i++) expect((await client.request('/email/verify/request', post())).status).toBe(202)
    const refused = await client.request('/email/verify/request', post())
    await expectProblem(refused, 429, 'rate_limited')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(3600)
    await t.background.settled()
    expect(verifyMailsTo(t, 'ada@example.com')).toHaveLength(5)
    t.clock.advance(HOUR)
    expect((await client.request('/email/verify/request', post())).status).toBe(202)
  })

  it('answers 503 mail_unavailable with Retry-After when the mail cannot be sent, and leaves no usable token', async () => {
    const t = await setup({ mail: true })
    const { client, userId } = await signedIn(t, 'ada@example.com')
    await t.background.settled()
    const earlier = t.outbox.lastToken('ada@example.com')
    t.outbox.failing = true
    const res = await client.request('/email/verify/request', post())
    await expectProblem(res, 503, 'mail_unavailable')
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    // The new token was voided, and it had superseded the earlier one: nothing is pending.
    expect(await t.stores.tokens.listForUser(userId as UserId, t.clock.now())).toEqual([])
    await expectProblem(await t.client.request('/email/verify', post({ token: earlier })), 400, 'invalid_token')
  })
})

describe('EMAIL_VERIFICATION=required', () => {
  it('refuses the right password of an unverified account with 403 email_unverified, a wrong one with 401', async () => {
    const t = await setup({ mail: true, policy: { emailVerification: 'required' } })
    const client = new TestClient(t.app)
    expect((await client.request('/register', post({ email: 'ada@example.com', password: PASSWORD }))).status).toBe(201)
    const unverified = await client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
    await expectProblem(unverified, 403, 'email_unverified')
    expect(unverified.headers.getSetCookie()).toEqual([])
    const wrong = await client.request('/login', post({ email: 'ada@example.com', password: `${PASSWORD}x` }))
    await expectProblem(wrong, 401, 'invalid_credentials')

    await t.background.settled()
    await client.request('/email/verify', post({ token: t.outbox.lastToken('ada@example.com') }))
    await logIn(t, 'ada@example.com')
  })
})

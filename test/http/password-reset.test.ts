import { describe, expect, it } from 'vitest'
import type { UserId } from '../../src/domain/user.js'
import { TestClient } from '../support/app-harness.js'
import {
  bodyOf,
  expectProblem,
  logIn,
  MIN,
  PASSWORD,
  post,
  refreshWith,
  SEC,
  setsCookies,
  setup,
  signedIn,
} from './helpers.js'
import {
  accountOf,
  comparable,
  forgot,
  liveSessionIds,
  loginWith,
  mailSetup,
  mailsTo,
  NEW_PASSWORD,
  pendingTokens,
  refreshCookieOf,
  registerWith,
  resetToken,
  resetWith,
  retryAfter,
  setsACookieValue,
  tokenMailed,
  verifyWith,
} from './lifecycle-helpers.js'

const ADA = 'ada@example.com'
const BOB = 'bob@example.com'
const NOBODY = 'nobody@example.com'
const HOUR = 60 * MIN

describe('POST /password/forgot', () => {
  it('answers 202 {} for a known and an unknown address with identical status, body and headers', async () => {
    const t = await mailSetup()
    await signedIn(t, ADA)
    await t.background.settled()
    const known = await forgot(t, ADA)
    const unknown = await forgot(t, NOBODY)
    expect(known.status).toBe(202)
    expect(unknown.status).toBe(202)
    expect(comparable(known)).toEqual(comparable(unknown))
    const [a, b] = [await known.text(), await unknown.text()]
    expect(JSON.parse(a)).toEqual({})
    expect(b).toBe(a)
    expect(setsCookies(known) || setsCookies(unknown)).toBe(false)

    await t.background.settled()
    expect(mailsTo(t, ADA, 'reset_password')).toHaveLength(1)
    expect(t.outbox.to(NOBODY)).toEqual([])
  })

  it('mails the account a reset token <userId>.<43-char secret> that works for 30 minutes', async () => {
    const t = await mailSetup()
    const { userId } = await signedIn(t, ADA)
    await forgot(t, ' ADA@Example.COM ')
    await t.background.settled()
    const [mail, ...more] = mailsTo(t, ADA, 'reset_password')
    expect(more).toEqual([])
    expect(mail).toEqual({ purpose: 'reset_password', to: ADA, token: expect.any(String), validFor: 30 * MIN })
    const token = tokenMailed(t, ADA, 'reset_password')
    expect(token.startsWith(`${userId}.`)).toBe(true)
    expect(token.slice(userId.length + 1)).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // Just inside its lifetime it still works.
    t.clock.advance(30 * MIN - SEC)
    expect((await resetWith(t, token)).status).toBe(204)
  })

  it.each([
    ['no at sign', 'not an email'],
    ['no domain', 'ada@'],
    ['no local part', '@example.com'],
    ['empty', ''],
  ])('answers 400 invalid_request for a malformed address (%s) and mails nothing', async (_label, email) => {
    const t = await mailSetup()
    await expectProblem(await forgot(t, email), 400, 'invalid_request')
    await t.background.settled()
    expect(t.outbox.sent).toEqual([])
  })

  it('answers 400 invalid_request for a body without an email', async () => {
    const t = await mailSetup()
    await expectProblem(await new TestClient(t.app).request('/password/forgot', post({})), 400, 'invalid_request')
  })

  it('limits each address to 5 mails an hour: the 6th forgot is 429 with Retry-After, known or unknown alike', async () => {
    const t = await mailSetup()
    await signedIn(t, ADA)
    await t.background.settled()
    for (let i = 0; i < 5; i++) {
      // Each from another IP: the per-address limit is what is tested.
      expect((await forgot(t, ADA, `198.51.100.${i + 10}`)).status, `known #${i + 1}`).toBe(202)
      expect((await forgot(t, NOBODY, `198.51.100.${i + 40}`)).status, `unknown #${i + 1}`).toBe(202)
    }
    const known = await forgot(t, ADA, '203.0.113.1')
    const unknown = await forgot(t, NOBODY, '203.0.113.2')
    const [knownText, unknownText] = [await known.clone().text(), await unknown.clone().text()]
    await expectProblem(known, 429, 'rate_limited')
    await expectProblem(unknown, 429, 'rate_limited')
    expect(retryAfter(known)).toBe(HOUR / SEC)
    expect(comparable(known)).toEqual(comparable(unknown))
    expect(knownText).toBe(unknownText)
    await t.background.settled()
    expect(mailsTo(t, ADA, 'reset_password')).toHaveLength(5)

    // Another address is not limited, and the hour ends.
    expect((await forgot(t, BOB)).status).toBe(202)
    t.clock.advance(HOUR)
    expect((await forgot(t, ADA, '203.0.113.1')).status).toBe(202)
    await t.background.settled()
    expect(mailsTo(t, ADA, 'reset_password')).toHaveLength(6)
  })

  it('reveals no other mail through its limit: an address that registered this hour and one that did not get the same 5', async () => {
    const t = await mailSetup()
    // Registered just now (its verification mail sent) and asked for a new link twice more.
    const { client } = await signedIn(t, ADA)
    for (let i = 0; i < 2; i++) expect((await client.request('/email/verify/request', post())).status).toBe(202)
    const answers = async (email: string) => {
      const statuses: number[] = []
      for (let i = 0; i < 6; i++) statuses.push((await forgot(t, email, `198.51.100.${i + 60}`)).status)
      return statuses
    }
    expect(await answers(ADA)).toEqual(await answers(NOBODY))
    expect(await answers(BOB)).toEqual([202, 202, 202, 202, 202, 429])
  })

  it('limits each client IP too: past RATE_LIMIT_PER_MINUTE, 429 with Retry-After whatever the address', async () => {
    const t = await mailSetup({ policy: { rateLimitPerMinute: 3 } })
    for (let i = 0; i < 3; i++) expect((await forgot(t, `user${i}@example.com`, '203.0.113.5')).status).toBe(202)
    const res = await forgot(t, 'user9@example.com', '203.0.113.5')
    await expectProblem(res, 429, 'rate_limited')
    expect(retryAfter(res)).toBeGreaterThan(0)
    expect(retryAfter(res)).toBeLessThanOrEqual(60)
    // Another client is not limited.
    expect((await forgot(t, 'user9@example.com', '203.0.113.6')).status).toBe(202)
  })

  it('answers 202 through a mail outage, logs mail_failed, and leaves the token it carried unusable', async () => {
    const t = await mailSetup()
    const { userId } = await signedIn(t, ADA)
    await t.background.settled()
    t.outbox.failing = true
    const known = await forgot(t, ADA)
    const unknown = await forgot(t, NOBODY)
    expect(known.status).toBe(202)
    expect(comparable(known)).toEqual(comparable(unknown))
    expect(await known.text()).toBe(await unknown.text())
    await t.background.settled()

    const failed = t.events.filter((e) => e.name === 'mail_failed')
    expect(failed).toHaveLength(1)
    expect(failed[0]?.fields).toMatchObject({ purpose: 'reset_password', userId })
    expect(JSON.stringify(failed[0]?.fields)).not.toContain(ADA)
    expect(await pendingTokens(t, userId, 'reset_password')).toEqual([])
    expect(mailsTo(t, ADA, 'reset_password')).toEqual([])
    // The password is as it was.
    expect((await loginWith(t, ADA)).status).toBe(200)

    // Once mail works again, a new link does.
    t.outbox.failing = false
    expect((await resetWith(t, await resetToken(t, ADA))).status).toBe(204)
  })
})

describe('POST /password/reset', () => {
  it('answers 204, sets no cookie, revokes every session of the user; the new password logs in, the old not', async () => {
    const t = await mailSetup()
    const one = await signedIn(t, ADA)
    const two = await logIn(t, ADA)
    const bob = await signedIn(t, BOB)
    const [refreshOne, refreshTwo] = [refreshCookieOf(one.client), refreshCookieOf(two.client)]
    const token = await resetToken(t, ADA)

    // Sent by a browser that holds one of the sessions: it is revoked too.
    const res = await resetWith(t, token, NEW_PASSWORD, one.client)
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    expect(setsACookieValue(res)).toBe(false)

    expect(await liveSessionIds(t, one.userId)).toEqual([])
    await expectProblem(await refreshWith(t, refreshOne), 401, 'unauthorized')
    await expectProblem(await refreshWith(t, refreshTwo), 401, 'unauthorized')
    // The access tokens are stateless, but a route that checks the session refuses them.
    await expectProblem(await one.client.request('/sessions'), 401, 'unauthorized')
    await expectProblem(await two.client.request('/sessions'), 401, 'unauthorized')
    // Another user's session is untouched.
    expect((await bob.client.request('/refresh', { method: 'POST' })).status).toBe(200)

    await expectProblem(await loginWith(t, ADA, PASSWORD), 401, 'invalid_credentials')
    const fresh = await loginWith(t, ADA, NEW_PASSWORD)
    expect(fresh.status).toBe(200)
    expect(((await bodyOf(fresh)).user as { id: string }).id).toBe(one.userId)
  })

  it('is single use: a second reset with the same token is 400 invalid_token', async () => {
    const t = await mailSetup()
    const { userId } = await signedIn(t, ADA)
    const token = await resetToken(t, ADA)
    expect((await resetWith(t, token, NEW_PASSWORD)).status).toBe(204)
    await expectProblem(await resetWith(t, token, 'yet another passphrase 7'), 400, 'invalid_token')
    expect(await pendingTokens(t, userId, 'reset_password')).toEqual([])
    expect((await loginWith(t, ADA, NEW_PASSWORD)).status).toBe(200)
    await expectProblem(await loginWith(t, ADA, 'yet another passphrase 7'), 401, 'invalid_credentials')
  })

  it('refuses an expired token (30 minutes and 1 second later) with invalid_token and changes nothing', async () => {
    const t = await mailSetup()
    await signedIn(t, ADA)
    const token = await resetToken(t, ADA)
    t.clock.advance(30 * MIN + SEC)
    await expectProblem(await resetWith(t, token), 400, 'invalid_token')
    expect((await loginWith(t, ADA, PASSWORD)).status).toBe(200)
    await expectProblem(await loginWith(t, ADA, NEW_PASSWORD), 401, 'invalid_credentials')
  })

  it('refuses a superseded token: of two forgots, the first token is invalid_token and the second works', async () => {
    const t = await mailSetup()
    await signedIn(t, ADA)
    const first = await resetToken(t, ADA)
    const second = await resetToken(t, ADA)
    expect(second).not.toBe(first)
    await expectProblem(await resetWith(t, first), 400, 'invalid_token')
    expect((await resetWith(t, second)).status).toBe(204)
    expect((await loginWith(t, ADA, NEW_PASSWORD)).status).toBe(200)
  })

  it('refuses a verify-email token (wrong purpose) and leaves it working at /email/verify', async () => {
    const t = await mailSetup()
    await signedIn(t, ADA)
    await t.background.settled()
    const verifyToken = tokenMailed(t, ADA, 'verify_email')
    await expectProblem(await resetWith(t, verifyToken), 400, 'invalid_token')
    expect((await loginWith(t, ADA, PASSWORD)).status).toBe(200)

    const verified = await verifyWith(t, verifyToken)
    expect(verified.status).toBe(200)
    expect((await bodyOf(verified)).user).toMatchObject({ email: ADA, emailVerified: true })
  })

  it('refuses a reset token at /email/verify (wrong purpose) and leaves it working at /password/reset', async () => {
    const t = await mailSetup()
    await signedIn(t, ADA)
    const token = await resetToken(t, ADA)
    await expectProblem(await verifyWith(t, token), 400, 'invalid_token')
    expect((await resetWith(t, token)).status).toBe(204)
  })

  it('refuses garbage and forged tokens with invalid_token, and leaves the real ones working', async () => {
    const t = await mailSetup()
    const ada = await signedIn(t, ADA)
    const bob = await signedIn(t, BOB)
    const adaToken = await resetToken(t, ADA)
    const bobToken = await resetToken(t, BOB)
    const secret = adaToken.slice(ada.userId.length + 1)
    const flipped = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`
    const forged = [
      'garbage',
      secret,
      `${ada.userId}.${'A'.repeat(43)}`,
      `${ada.userId}.${flipped}`,
      `${ada.userId}.${secret}A`,
      adaToken.slice(0, -1),
      `${ada.userId}..${secret}`,
      // Ada's secret presented as Bob's.
      `${bob.userId}.${secret}`,
    ]
    for (const token of forged) await expectProblem(await resetWith(t, token), 400, 'invalid_token')
    expect((await resetWith(t, adaToken, NEW_PASSWORD)).status).toBe(204)
    expect((await resetWith(t, bobToken, 'bob has a new passphrase')).status).toBe(204)
    expect((await loginWith(t, ADA, NEW_PASSWORD)).status).toBe(200)
    expect((await loginWith(t, BOB, 'bob has a new passphrase')).status).toBe(200)
  })

  it.each([
    ['too short', 'short1'],
    ['empty', ''],
  ])('answers 400 invalid_request for a bad new password (%s) and the token still works', async (_label, password) => {
    const t = await mailSetup()
    const { client } = await signedIn(t, ADA)
    const token = await resetToken(t, ADA)
    await expectProblem(await resetWith(t, token, password), 400, 'invalid_request')
    // Nothing changed: the session lives and the old password works.
    expect((await client.request('/refresh', { method: 'POST' })).status).toBe(200)
    expect((await loginWith(t, ADA, PASSWORD)).status).toBe(200)
    expect((await resetWith(t, token, NEW_PASSWORD)).status).toBe(204)
    expect((await loginWith(t, ADA, NEW_PASSWORD)).status).toBe(200)
  })

  it('refuses the token of an account deleted through DELETE /account', async () => {
    const t = await mailSetup()
    const { client } = await signedIn(t, ADA)
    const token = await resetToken(t, ADA)
    expect((await client.request('/account', { method: 'DELETE', json: { password: PASSWORD } })).status).toBe(204)
    await expectProblem(await resetWith(t, token), 400, 'invalid_token')
  })

  it('refuses the token of a deleted account even when the token outlived it, and never touches a new account at the address', async () => {
    const t = await mailSetup()
    const { userId } = await signedIn(t, ADA)
    const token = await resetToken(t, ADA)
    // The account goes through the port alone, as a crash between the steps of a deletion leaves
    // it: whether its tokens go with it is up to the store (the Worker's stores drop them).
    expect(await t.stores.users.delete(userId as UserId)).toBe(true)
    await expectProblem(await resetWith(t, token), 400, 'invalid_token')

    // Someone registers the address again: the old link is no key to the new account.
    expect((await registerWith(t, ADA)).status).toBe(201)
    const fresh = await accountOf(t, ADA)
    expect(fresh?.id).not.toBe(userId)
    await expectProblem(await resetWith(t, token), 400, 'invalid_token')
    expect((await loginWith(t, ADA, PASSWORD)).status).toBe(200)
    await expectProblem(await loginWith(t, ADA, NEW_PASSWORD), 401, 'invalid_credentials')
  })

  it('lets exactly one of two resets racing with one token win', async () => {
    const t = await mailSetup()
    await signedIn(t, ADA)
    const token = await resetToken(t, ADA)
    const passwords = ['first racer passphrase', 'second racer passphrase']
    const answers = await Promise.all(passwords.map((p) => resetWith(t, token, p)))
    const statuses = answers.map((r) => r.status)
    expect([...statuses].sort()).toEqual([204, 400])
    const loser = answers[statuses.indexOf(400)]
    if (loser) await expectProblem(loser, 400, 'invalid_token')
    // Exactly the winner's password works.
    const logins = await Promise.all(passwords.map(async (p) => (await loginWith(t, ADA, p)).status))
    expect(logins).toEqual(statuses.map((s) => (s === 204 ? 200 : 401)))
  })

  it.each([0, 1, 2, 3, 5, 8])(
    'leaves no session made with the old password alive when a login races the reset (login %i ticks late)',
    async (ticks) => {
      const t = await mailSetup()
      const { userId } = await signedIn(t, ADA)
      const token = await resetToken(t, ADA)
      const client = new TestClient(t.app)
      const late = async () => {
        for (let i = 0; i < ticks; i++) await new Promise((resolve) => setTimeout(resolve, 0))
        return loginWith(t, ADA, PASSWORD, client)
      }
      const [reset, login] = await Promise.all([resetWith(t, token), late()])
      expect(reset.status).toBe(204)
      expect([200, 401]).toContain(login.status)
      if (login.status === 200) {
        // It won the race to the password check: its session must have been revoked since.
        await expectProblem(await refreshWith(t, refreshCookieOf(client)), 401, 'unauthorized')
        await expectProblem(await client.request('/sessions'), 401, 'unauthorized')
      } else {
        await expectProblem(login, 401, 'invalid_credentials')
      }
      expect(await liveSessionIds(t, userId)).toEqual([])
      expect((await loginWith(t, ADA, NEW_PASSWORD)).status).toBe(200)
    },
  )
})

describe('with mail off (PASSWORD_RESET=off, no mailer)', () => {
  it('answers 404 not_found on /password/forgot and /password/reset', async () => {
    const t = await setup()
    await signedIn(t, ADA)
    await expectProblem(await forgot(t, ADA), 404, 'not_found')
    await expectProblem(await resetWith(t, `${'A'.repeat(22)}.${'A'.repeat(43)}`), 404, 'not_found')
  })
})

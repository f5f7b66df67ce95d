import { describe, expect, it } from 'vitest'
import { UnavailableError } from '../../src/domain/errors.js'
import { seconds } from '../../src/domain/units.js'
import { type TestApp, TestClient } from '../support/app-harness.js'
import { storeCapabilities } from '../support/store-under-test.js'
import { bodyOf, DAY, expectProblem, PASSWORD, post, SEC, setup, signedIn } from './helpers.js'
import {
  accountOf,
  loginWith,
  mailSetup,
  mailsTo,
  pendingTokens,
  registerWith,
  retryAfter,
  tokenMailed,
  verifyWith,
} from './lifecycle-helpers.js'

const ADA = 'ada@example.com'
const NEW = 'ada.new@example.org'
const BOB = 'bob@example.com'
const WRONG = 'not the right password'

const changeEmail = (client: TestClient, newEmail: string, password = PASSWORD) =>
  client.request('/email', post({ password, newEmail }))

const profileEmail = async (client: TestClient): Promise<unknown> =>
  ((await bodyOf(await client.request('/profile'))).user as { email?: unknown }).email

/** Every mail of an address-change flow sent so far (not the registrations' verification mails). */
const changeMails = (t: TestApp) =>
  t.outbox.sent.filter((m) => m.purpose === 'confirm_new_email' || m.purpose === 'email_change_notice')

describe('POST /email', () => {
  it('answers 202 {}, mails a confirmation with a token to the new address and a notice to the old', async () => {
    const t = await mailSetup()
    const { client, userId } = await signedIn(t, ADA)
    const res = await changeEmail(client, NEW)
    expect(res.status).toBe(202)
    expect(await bodyOf(res)).toEqual({})
    await t.background.settled()

    expect(mailsTo(t, NEW, 'confirm_new_email')).toEqual([
      { purpose: 'confirm_new_email', to: NEW, token: expect.any(String), validFor: DAY },
    ])
    const token = tokenMailed(t, NEW, 'confirm_new_email')
    expect(token.startsWith(`${userId}.`)).toBe(true)
    expect(mailsTo(t, ADA, 'email_change_notice')).toEqual([{ purpose: 'email_change_notice', to: ADA, newEmail: NEW }])
    expect(changeMails(t)).toHaveLength(2)

    // Nothing has moved yet: the old address logs in, the new one does not.
    expect(await profileEmail(client)).toBe(ADA)
    expect((await loginWith(t, ADA)).status).toBe(200)
    await expectProblem(await loginWith(t, NEW), 401, 'invalid_credentials')
  })

  it('moves the account when the token is posted to /email/verify: 200 {user} with the new, verified address', async () => {
    const t = await mailSetup()
    const { client, userId } = await signedIn(t, ADA)
    expect((await changeEmail(client, NEW)).status).toBe(202)
    const token = tokenMailed(t, NEW, 'confirm_new_email')

    const res = await verifyWith(t, token)
    expect(res.status).toBe(200)
    expect((await bodyOf(res)).user).toMatchObject({ id: userId, email: NEW, emailVerified: true })
    expect(await profileEmail(client)).toBe(NEW)

    // Logins follow the address.
    expect((await loginWith(t, NEW)).status).toBe(200)
    await expectProblem(await loginWith(t, ADA), 401, 'invalid_credentials')
    // The token is spent.
    await expectProblem(await verifyWith(t, token), 400, 'invalid_token')
    // The old address is free: it registers again, as a new account.
    expect((await registerWith(t, ADA)).status).toBe(201)
    expect((await accountOf(t, ADA))?.id).not.toBe(userId)
    expect((await accountOf(t, NEW))?.id).toBe(userId)
  })

  it('refuses an expired change token (24 hours and 1 second later) and keeps the old address', async () => {
    const t = await mailSetup()
    const { client } = await signedIn(t, ADA)
    expect((await changeEmail(client, NEW)).status).toBe(202)
    const token = tokenMailed(t, NEW, 'confirm_new_email')
    t.clock.advance(DAY + SEC)
    await expectProblem(await verifyWith(t, token), 400, 'invalid_token')
    expect(await accountOf(t, NEW)).toBeNull()
    expect((await loginWith(t, ADA)).status).toBe(200)
  })

  it('supersedes an older change token with a newer one: only the newer moves the account', async () => {
    const t = await mailSetup()
    const { client, userId } = await signedIn(t, ADA)
    const OTHER = 'ada.other@example.org'
    expect((await changeEmail(client, OTHER)).status).toBe(202)
    const first = tokenMailed(t, OTHER, 'confirm_new_email')
    expect((await changeEmail(client, NEW)).status).toBe(202)
    const second = tokenMailed(t, NEW, 'confirm_new_email')
    await expectProblem(await verifyWith(t, first), 400, 'invalid_token')
    expect(await accountOf(t, OTHER)).toBeNull()
    expect((await bodyOf(await verifyWith(t, second))).user).toMatchObject({ id: userId, email: NEW })
  })

  it('normalises the new address', async () => {
    const t = await mailSetup()
    const { client } = await signedIn(t, ADA)
    expect((await changeEmail(client, ' Ada.New@Example.ORG ')).status).toBe(202)
    const res = await verifyWith(t, tokenMailed(t, NEW, 'confirm_new_email'))
    expect((await bodyOf(res)).user).toMatchObject({ email: NEW })
  })

  it('answers 409 email_taken when the new address belongs to another account, and mails nothing', async () => {
    const t = await mailSetup()
    const { client } = await signedIn(t, ADA)
    await signedIn(t, BOB)
    await expectProblem(await changeEmail(client, BOB), 409, 'email_taken')
    await expectProblem(await changeEmail(client, ' BOB@example.com'), 409, 'email_taken')
    await t.background.settled()
    expect(changeMails(t)).toEqual([])
    expect(await profileEmail(client)).toBe(ADA)
  })

  it('answers 409 at the confirmation when another account registered the address in between; the user keeps the old one', async () => {
    const t = await mailSetup()
    const { client, userId } = await signedIn(t, ADA)
    expect((await changeEmail(client, NEW)).status).toBe(202)
    const token = tokenMailed(t, NEW, 'confirm_new_email')
    expect((await registerWith(t, NEW, 'the other person’s passphrase')).status).toBe(201)
    const other = await accountOf(t, NEW)

    await expectProblem(await verifyWith(t, token), 409, 'email_taken')
    expect(await profileEmail(client)).toBe(ADA)
    expect((await accountOf(t, ADA))?.id).toBe(userId)
    expect((await accountOf(t, NEW))?.id).toBe(other?.id)
    expect((await loginWith(t, ADA)).status).toBe(200)
    expect((await loginWith(t, NEW, 'the other person’s passphrase')).status).toBe(200)
    await expectProblem(await loginWith(t, NEW), 401, 'invalid_credentials')
  })

  // KV has no compare-and-set: its address claim is best effort (src/adapters/stores/kv/index.ts).
  it.runIf(storeCapabilities.strongConsistency)(
    'lets exactly one of a confirmation and a registration racing for the address win',
    async () => {
      const t = await mailSetup()
      const { client, userId } = await signedIn(t, ADA)
      expect((await changeEmail(client, NEW)).status).toBe(202)
      const token = tokenMailed(t, NEW, 'confirm_new_email')

      const [confirm, register] = await Promise.all([
        verifyWith(t, token),
        registerWith(t, NEW, 'racing passphrase 99'),
      ])
      const holder = await accountOf(t, NEW)
      if (confirm.status === 200) {
        await expectProblem(register, 409, 'email_taken')
        expect(holder?.id).toBe(userId)
        expect(await accountOf(t, ADA)).toBeNull()
      } else {
        await expectProblem(confirm, 409, 'email_taken')
        expect(register.status).toBe(201)
        expect(holder?.id).not.toBe(userId)
        expect((await accountOf(t, ADA))?.id).toBe(userId)
      }
    },
  )

  // KV has no compare-and-set: its address claim is best effort (src/adapters/stores/kv/index.ts).
  it.runIf(storeCapabilities.strongConsistency)(
    'lets exactly one of two accounts confirming the same new address win',
    async () => {
      const t = await mailSetup()
      const ada = await signedIn(t, ADA)
      const bob = await signedIn(t, BOB)
      expect((await changeEmail(ada.client, NEW)).status).toBe(202)
      const adaToken = tokenMailed(t, NEW, 'confirm_new_email')
      expect((await changeEmail(bob.client, NEW)).status).toBe(202)
      const bobToken = tokenMailed(t, NEW, 'confirm_new_email')
      expect(bobToken).not.toBe(adaToken)

      const answers = await Promise.all([verifyWith(t, adaToken), verifyWith(t, bobToken)])
      expect(answers.map((r) => r.status).sort()).toEqual([200, 409])
      const winner = answers[0]?.status === 200 ? ada : bob
      const loser = winner === ada ? bob : ada
      expect((await accountOf(t, NEW))?.id).toBe(winner.userId)
      expect((await accountOf(t, winner === ada ? BOB : ADA))?.id).toBe(loser.userId)
    },
  )

  it('answers 401 invalid_credentials for a wrong password and mails nothing', async () => {
    const t = await mailSetup()
    const { client } = await signedIn(t, ADA)
    await expectProblem(await changeEmail(client, NEW, WRONG), 401, 'invalid_credentials')
    await t.background.settled()
    expect(changeMails(t)).toEqual([])
    expect(await profileEmail(client)).toBe(ADA)
  })

  it.each([
    ['the same address', ADA],
    ['the same address, spelt otherwise', ' ADA@Example.com '],
    ['a malformed address', 'not an email'],
    ['an address without a domain', 'ada@'],
    ['an empty address', ''],
  ])('answers 400 invalid_request for %s and mails nothing', async (_label, newEmail) => {
    const t = await mailSetup()
    const { client } = await signedIn(t, ADA)
    await expectProblem(await changeEmail(client, newEmail), 400, 'invalid_request')
    await t.background.settled()
    expect(changeMails(t)).toEqual([])
    expect(await profileEmail(client)).toBe(ADA)
  })

  it('answers 401 unauthorized without a session', async () => {
    const t = await mailSetup()
    await signedIn(t, ADA)
    await expectProblem(await changeEmail(new TestClient(t.app), NEW), 401, 'unauthorized')
    expect(changeMails(t)).toEqual([])
  })

  it('answers 503 mail_unavailable with Retry-After through a mail outage and leaves no usable change token', async () => {
    const t = await mailSetup()
    const { client, userId } = await signedIn(t, ADA)
    await t.background.settled()
    t.outbox.failing = true
    const res = await changeEmail(client, NEW)
    await expectProblem(res, 503, 'mail_unavailable')
    expect(retryAfter(res)).toBeGreaterThan(0)
    expect(await pendingTokens(t, userId, 'change_email')).toEqual([])
    expect(changeMails(t)).toEqual([])
    expect(await profileEmail(client)).toBe(ADA)
  })

  it('answers 503 when only the notice to the old address fails, and sends no confirmation link', async () => {
    const t = await mailSetup()
    const { client, userId } = await signedIn(t, ADA)
    const deliver = t.outbox.send.bind(t.outbox)
    t.outbox.send = async (message) => {
      if (message.purpose === 'email_change_notice') throw new UnavailableError('mail_unavailable', seconds(30))
      await deliver(message)
    }
    const res = await changeEmail(client, NEW)
    await expectProblem(res, 503, 'mail_unavailable')
    expect(retryAfter(res)).toBeGreaterThan(0)
    expect(await pendingTokens(t, userId, 'change_email')).toEqual([])
    // The notice goes first: a link to the new address is never out without the old address told.
    expect(t.outbox.to(NEW)).toEqual([])
    expect(await profileEmail(client)).toBe(ADA)
    expect((await loginWith(t, ADA)).status).toBe(200)
  })
})

describe('with mail off', () => {
  it('answers 404 not_found on POST /email and changes nothing', async () => {
    const t = await setup()
    const { client } = await signedIn(t, ADA)
    await expectProblem(await changeEmail(client, NEW), 404, 'not_found')
    expect(await profileEmail(client)).toBe(ADA)
  })
})

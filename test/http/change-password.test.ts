import { describe, expect, it } from 'vitest'
import { TestClient } from '../support/app-harness.js'
import { bodyOf, expectProblem, logIn, MIN, PASSWORD, post, refreshWith, SEC, setup, signedIn } from './helpers.js'
import {
  liveSessionIds,
  loginWith,
  mailSetup,
  mailsTo,
  NEW_PASSWORD,
  refreshCookieOf,
  resetToken,
  resetWith,
  retryAfter,
  setsACookieValue,
} from './lifecycle-helpers.js'

const ADA = 'ada@example.com'
const BOB = 'bob@example.com'
const WRONG = 'not the right password'

const changePassword = (client: TestClient, currentPassword: string, newPassword: string, ip = '198.51.100.7') =>
  client.request('/password', post({ currentPassword, newPassword }, { 'x-forwarded-for': ip }))

const sessionIdsSeenBy = async (client: TestClient): Promise<string[]> => {
  const res = await client.request('/sessions')
  expect(res.status).toBe(200)
  return ((await bodyOf(res)).sessions as { id: string }[]).map((s) => s.id).sort()
}

describe('POST /password', () => {
  it('answers 204; the caller’s session keeps working and every other session of the user is revoked', async () => {
    const t = await mailSetup()
    const me = await signedIn(t, ADA)
    const other = await logIn(t, ADA)
    const third = await logIn(t, ADA)
    const bob = await signedIn(t, BOB)
    const [otherRefresh, thirdRefresh] = [refreshCookieOf(other.client), refreshCookieOf(third.client)]

    const res = await changePassword(me.client, PASSWORD, NEW_PASSWORD)
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    expect(setsACookieValue(res)).toBe(false)

    expect(await liveSessionIds(t, me.userId)).toEqual([me.sessionId])
    expect(await sessionIdsSeenBy(me.client)).toEqual([me.sessionId])
    expect((await me.client.request('/refresh', { method: 'POST' })).status).toBe(200)
    expect(await sessionIdsSeenBy(me.client)).toEqual([me.sessionId])

    await expectProblem(await refreshWith(t, otherRefresh), 401, 'unauthorized')
    await expectProblem(await refreshWith(t, thirdRefresh), 401, 'unauthorized')
    await expectProblem(await other.client.request('/sessions'), 401, 'unauthorized')
    // Another user is untouched.
    expect(await liveSessionIds(t, bob.userId)).toEqual([bob.sessionId])

    await expectProblem(await loginWith(t, ADA, PASSWORD), 401, 'invalid_credentials')
    expect((await loginWith(t, ADA, NEW_PASSWORD)).status).toBe(200)
  })

  it('mails a password_changed notice to the address', async () => {
    const t = await mailSetup()
    const { client } = await signedIn(t, ADA)
    await t.background.settled()
    expect(mailsTo(t, ADA, 'password_changed')).toEqual([])
    expect((await changePassword(client, PASSWORD, NEW_PASSWORD)).status).toBe(204)
    await t.background.settled()
    expect(mailsTo(t, ADA, 'password_changed')).toEqual([{ purpose: 'password_changed', to: ADA }])
  })

  it('answers 401 invalid_credentials for a wrong current password and changes nothing', async () => {
    const t = await mailSetup()
    const me = await signedIn(t, ADA)
    const other = await logIn(t, ADA)
    await expectProblem(await changePassword(me.client, WRONG, NEW_PASSWORD), 401, 'invalid_credentials')
    expect(await liveSessionIds(t, me.userId)).toEqual([me.sessionId, other.sessionId].sort())
    expect((await other.client.request('/refresh', { method: 'POST' })).status).toBe(200)
    await expectProblem(await loginWith(t, ADA, NEW_PASSWORD), 401, 'invalid_credentials')
    expect((await loginWith(t, ADA, PASSWORD)).status).toBe(200)
    await t.background.settled()
    expect(mailsTo(t, ADA, 'password_changed')).toEqual([])
  })

  it('counts wrong current passwords toward the login lockout', async () => {
    const t = await mailSetup()
    const { client } = await signedIn(t, ADA)
    const limit = t.deps.policy.loginFailureLimit
    for (let i = 0; i < limit; i++) {
      const res = await changePassword(client, WRONG, NEW_PASSWORD, `198.51.100.${i + 10}`)
      await expectProblem(res, 401, 'invalid_credentials')
    }
    const login = await loginWith(t, ADA, PASSWORD)
    await expectProblem(login, 429, 'rate_limited')
    expect(retryAfter(login)).toBeGreaterThan(0)
    expect(retryAfter(login)).toBeLessThanOrEqual((15 * MIN) / SEC)
    // The right current password is locked out as well, and nothing changed.
    await expectProblem(await changePassword(client, PASSWORD, NEW_PASSWORD, '203.0.113.9'), 429, 'rate_limited')
    t.clock.advance(15 * MIN + SEC)
    expect((await loginWith(t, ADA, PASSWORD)).status).toBe(200)
  })

  it.each([
    ['too short', 'short1'],
    ['empty', ''],
  ])('answers 400 invalid_request for a bad new password (%s) and changes nothing', async (_label, newPassword) => {
    const t = await mailSetup()
    const me = await signedIn(t, ADA)
    const other = await logIn(t, ADA)
    await expectProblem(await changePassword(me.client, PASSWORD, newPassword), 400, 'invalid_request')
    expect(await liveSessionIds(t, me.userId)).toEqual([me.sessionId, other.sessionId].sort())
    expect((await other.client.request('/refresh', { method: 'POST' })).status).toBe(200)
    expect((await loginWith(t, ADA, PASSWORD)).status).toBe(200)
    await t.background.settled()
    expect(mailsTo(t, ADA, 'password_changed')).toEqual([])
  })

  it('answers 401 unauthorized without a session, and for a revoked session’s access token', async () => {
    const t = await mailSetup()
    await expectProblem(await changePassword(new TestClient(t.app), PASSWORD, NEW_PASSWORD), 401, 'unauthorized')

    const me = await signedIn(t, ADA)
    const other = await logIn(t, ADA)
    // Revoked behind its still-valid access token.
    expect((await other.client.request(`/sessions/${me.sessionId}`, { method: 'DELETE' })).status).toBe(204)
    expect(me.client.jar.has('access_token')).toBe(true)
    await expectProblem(await changePassword(me.client, PASSWORD, NEW_PASSWORD), 401, 'unauthorized')
    expect((await loginWith(t, ADA, PASSWORD)).status).toBe(200)
  })

  it('kills pending reset tokens: forgot, change the password, and the reset link is invalid_token', async () => {
    const t = await mailSetup()
    const { client } = await signedIn(t, ADA)
    const token = await resetToken(t, ADA)
    expect((await changePassword(client, PASSWORD, NEW_PASSWORD)).status).toBe(204)
    await expectProblem(await resetWith(t, token, 'a third passphrase here'), 400, 'invalid_token')
    expect((await loginWith(t, ADA, NEW_PASSWORD)).status).toBe(200)
  })
})

describe('POST /password with mail off', () => {
  it('still answers 204 and revokes the other sessions (there is just no notice)', async () => {
    const t = await setup()
    const me = await signedIn(t, ADA)
    const other = await logIn(t, ADA)
    expect((await changePassword(me.client, PASSWORD, NEW_PASSWORD)).status).toBe(204)
    expect(await liveSessionIds(t, me.userId)).toEqual([me.sessionId])
    await expectProblem(await refreshWith(t, refreshCookieOf(other.client)), 401, 'unauthorized')
    expect((await loginWith(t, ADA, NEW_PASSWORD)).status).toBe(200)
    expect(t.outbox.sent).toEqual([])
  })
})

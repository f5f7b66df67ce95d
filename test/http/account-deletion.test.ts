import { describe, expect, it } from 'vitest'
import type { UserId } from '../../src/domain/user.js'
import { TestClient } from '../support/app-harness.js'
import { parseSetCookies } from '../support/set-cookie.js'
import { bodyOf, DAY, expectProblem, logIn, MIN, PASSWORD, refreshWith, SEC, signedIn } from './helpers.js'
import {
  accountOf,
  liveSessionIds,
  loginWith,
  mailSetup,
  pendingTokens,
  refreshCookieOf,
  registerWith,
  resetToken,
  resetWith,
  retryAfter,
  tokenMailed,
  verifyWith,
} from './lifecycle-helpers.js'

const ADA = 'ada@example.com'
const BOB = 'bob@example.com'
const WRONG = 'not the right password'

const deleteAccount = (client: TestClient, password: string, ip = '198.51.100.7') =>
  client.request('/account', {
    method: 'DELETE',
    headers: { 'x-forwarded-for': ip },
    json: { password },
  })

describe('DELETE /account', () => {
  it('answers 204 and clears both cookies', async () => {
    const t = await mailSetup()
    const { client } = await signedIn(t, ADA)
    const res = await deleteAccount(client, PASSWORD)
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    const cookies = parseSetCookies(res)
    expect(cookies.get('access_token')?.attrs.get('max-age')).toBe('0')
    expect(cookies.get('refresh_token')?.attrs.get('max-age')).toBe('0')
    expect(client.jar.size).toBe(0)
  })

  it('deletes the user, every session and every pending token; the address can register again', async () => {
    const t = await mailSetup()
    const me = await signedIn(t, ADA)
    const other = await logIn(t, ADA)
    const bob = await signedIn(t, BOB)
    const [myRefresh, otherRefresh] = [refreshCookieOf(me.client), refreshCookieOf(other.client)]
    await t.background.settled()
    const verifyToken = tokenMailed(t, ADA, 'verify_email')
    const reset = await resetToken(t, ADA)
    expect((await pendingTokens(t, me.userId)).map((tok) => tok.purpose).sort()).toEqual([
      'reset_password',
      'verify_email',
    ])

    expect((await deleteAccount(me.client, PASSWORD)).status).toBe(204)

    expect(await accountOf(t, ADA)).toBeNull()
    expect(await t.stores.users.findById(me.userId as UserId)).toBeNull()
    await expectProblem(await loginWith(t, ADA), 401, 'invalid_credentials')
    expect(await liveSessionIds(t, me.userId)).toEqual([])
    await expectProblem(await refreshWith(t, myRefresh), 401, 'unauthorized')
    await expectProblem(await refreshWith(t, otherRefresh), 401, 'unauthorized')
    await expectProblem(await other.client.request('/sessions'), 401, 'unauthorized')
    expect(await pendingTokens(t, me.userId)).toEqual([])
    await expectProblem(await resetWith(t, reset), 400, 'invalid_token')
    await expectProblem(await verifyWith(t, verifyToken), 400, 'invalid_token')
    // Bob is untouched.
    expect(await liveSessionIds(t, bob.userId)).toEqual([bob.sessionId])

    // The address is free again, for a new account that inherits nothing.
    const again = await registerWith(t, ADA, 'a passphrase for the new one')
    expect(again.status).toBe(201)
    const fresh = (await bodyOf(again)).user as { id: string; emailVerified: boolean }
    expect(fresh.id).not.toBe(me.userId)
    expect(fresh.emailVerified).toBe(false)
    expect((await loginWith(t, ADA, 'a passphrase for the new one')).status).toBe(200)
    await expectProblem(await loginWith(t, ADA, PASSWORD), 401, 'invalid_credentials')
    await expectProblem(await refreshWith(t, otherRefresh), 401, 'unauthorized')
  })

  it('answers 401 invalid_credentials for a wrong password and deletes nothing', async () => {
    const t = await mailSetup()
    const me = await signedIn(t, ADA)
    const res = await deleteAccount(me.client, WRONG)
    await expectProblem(res, 401, 'invalid_credentials')
    expect(parseSetCookies(res).size).toBe(0)
    expect((await accountOf(t, ADA))?.id).toBe(me.userId)
    expect(await liveSessionIds(t, me.userId)).toEqual([me.sessionId])
    expect((await me.client.request('/refresh', { method: 'POST' })).status).toBe(200)
  })

  it('counts wrong passwords toward the login lockout', async () => {
    const t = await mailSetup()
    const me = await signedIn(t, ADA)
    const limit = t.deps.policy.loginFailureLimit
    for (let i = 0; i < limit; i++) {
      await expectProblem(await deleteAccount(me.client, WRONG, `198.51.100.${i + 10}`), 401, 'invalid_credentials')
    }
    const login = await loginWith(t, ADA, PASSWORD)
    await expectProblem(login, 429, 'rate_limited')
    expect(retryAfter(login)).toBeGreaterThan(0)
    expect(retryAfter(login)).toBeLessThanOrEqual((15 * MIN) / SEC)
    await expectProblem(await deleteAccount(me.client, PASSWORD, '203.0.113.9'), 429, 'rate_limited')
    expect((await accountOf(t, ADA))?.id).toBe(me.userId)
  })

  it('answers 401 unauthorized without a session, and for a revoked session’s access token', async () => {
    const t = await mailSetup()
    await expectProblem(await deleteAccount(new TestClient(t.app), PASSWORD), 401, 'unauthorized')
    const me = await signedIn(t, ADA)
    const other = await logIn(t, ADA)
    expect((await other.client.request(`/sessions/${me.sessionId}`, { method: 'DELETE' })).status).toBe(204)
    await expectProblem(await deleteAccount(me.client, PASSWORD), 401, 'unauthorized')
    expect((await accountOf(t, ADA))?.id).toBe(me.userId)
  })
})

describe('GET /account/export', () => {
  it('answers 200 JSON as an attachment (Content-Disposition: attachment)', async () => {
    const t = await mailSetup()
    const me = await signedIn(t, ADA)
    const res = await me.client.request('/account/export')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.headers.get('content-disposition') ?? '(no Content-Disposition)').toMatch(/^attachment\b/)
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('answers 200 with the user, the sessions and the pending mails', async () => {
    const t = await mailSetup()
    const createdAt = t.clock.now()
    const me = await signedIn(t, ADA, { headers: { 'user-agent': 'Firefox/140' } })
    t.clock.advance(MIN)
    const other = await logIn(t, ADA)
    const bob = await signedIn(t, BOB)
    await t.background.settled()
    const resetAt = t.clock.now()
    await resetToken(t, ADA)

    const res = await me.client.request('/account/export')
    expect(res.status).toBe(200)
    const body = await bodyOf(res)
    expect(body.user).toEqual({
      id: me.userId,
      email: ADA,
      name: null,
      createdAt: new Date(createdAt).toISOString(),
      emailVerified: false,
      roles: [],
    })
    const sessions = body.sessions as { id: string; createdAt: string; userAgent: string | null }[]
    expect(sessions.map((s) => s.id).sort()).toEqual([me.sessionId, other.sessionId].sort())
    expect(sessions.find((s) => s.id === me.sessionId)).toMatchObject({
      createdAt: new Date(createdAt).toISOString(),
      userAgent: 'Firefox/140',
    })
    expect(sessions.map((s) => s.id)).not.toContain(bob.sessionId)
    const pending = [...(body.pendingMails as { purpose: string }[])].sort((a, b) => a.purpose.localeCompare(b.purpose))
    expect(pending).toEqual([
      {
        purpose: 'reset_password',
        sentTo: ADA,
        createdAt: new Date(resetAt).toISOString(),
        expiresAt: new Date(resetAt + 30 * MIN).toISOString(),
      },
      {
        purpose: 'verify_email',
        sentTo: ADA,
        createdAt: new Date(createdAt).toISOString(),
        expiresAt: new Date(createdAt + DAY).toISOString(),
      },
    ])
  })

  it('never holds a password, a hash, a token or a digest', async () => {
    const t = await mailSetup()
    const me = await signedIn(t, ADA)
    await t.background.settled()
    const verifyToken = tokenMailed(t, ADA, 'verify_email')
    const reset = await resetToken(t, ADA)
    const res = await me.client.request('/account/export')
    expect(res.status).toBe(200)
    const text = await res.text()

    const stored = await accountOf(t, ADA)
    expect(stored?.passwordHash.length).toBeGreaterThan(20)
    const digests = (await pendingTokens(t, me.userId)).map((tok) => tok.digest)
    expect(digests).toHaveLength(2)
    const secrets = [
      PASSWORD,
      stored?.passwordHash ?? '?',
      ...digests,
      reset,
      reset.slice(me.userId.length + 1),
      verifyToken,
      verifyToken.slice(me.userId.length + 1),
      me.client.jar.get('access_token') ?? '?',
      me.client.jar.get('refresh_token') ?? '?',
    ]
    for (const secret of secrets) expect(text).not.toContain(secret)
    expect(text).not.toMatch(/scrypt|passwordHash|digest|token"/i)
  })

  it('answers 401 unauthorized without a session, and for a revoked session’s access token', async () => {
    const t = await mailSetup()
    await expectProblem(await new TestClient(t.app).request('/account/export'), 401, 'unauthorized')
    const me = await signedIn(t, ADA)
    const other = await logIn(t, ADA)
    expect((await other.client.request(`/sessions/${me.sessionId}`, { method: 'DELETE' })).status).toBe(204)
    await expectProblem(await me.client.request('/account/export'), 401, 'unauthorized')
  })
})

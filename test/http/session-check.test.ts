import { describe, expect, it } from 'vitest'
import { storeUnavailable } from '../../src/adapters/stores/outage.js'
import type { AuthPolicy, Deps } from '../../src/application/deps.js'
import type { UserId } from '../../src/domain/user.js'
import { type TestApp, TestClient } from '../support/app-harness.js'
import {
  expectCookiesCleared,
  expectProblem,
  hostApp,
  logIn,
  MIN,
  PASSWORD,
  post,
  SEC,
  setsCookies,
  setupInstrumented,
  signedIn,
} from './helpers.js'
import { NEW_PASSWORD, resetToken, resetWith, retryAfter } from './lifecycle-helpers.js'

/**
 * `SESSION_CHECK=strict`: every authorized request confirms its session in the store (or from a
 * yes younger than `SESSION_CHECK_MAX_AGE`), so a revoked session's unexpired access token stops
 * working within that bound. Runs on every store (memory, Redis, Durable Object, KV).
 */

const ADA = 'ada@example.com'
const strict = (maxAgeSeconds: number): Partial<AuthPolicy> => ({
  sessionCheck: 'strict',
  sessionCheckMaxAge: (maxAgeSeconds * SEC) as AuthPolicy['sessionCheckMaxAge'],
})

type Signed = Awaited<ReturnType<typeof signedIn>>

const accessOf = (client: TestClient): string => {
  const token = client.jar.get('access_token')
  if (!token) throw new Error('the client holds no access token')
  return token
}
/** `GET /session` with the token alone, as a header or as the only cookie (no refresh cookie to fall back on). */
const asBearer = (t: TestApp, token: string) =>
  t.app.request('/session', { headers: { authorization: `Bearer ${token}` } })
const asCookie = (t: TestApp, token: string) =>
  t.app.request('/session', { headers: { cookie: `access_token=${token}` } })
const del = (json: unknown): RequestInit & { json?: unknown } => ({ ...post(json), method: 'DELETE' })

/** What ends the victim's session, each through its own route (or the store, as an admin would). */
const REVOCATIONS: [string, (t: TestApp, victim: Signed) => Promise<void>][] = [
  [
    'POST /logout',
    async (_t, victim) => {
      expect((await victim.client.request('/logout', post())).status).toBe(204)
    },
  ],
  [
    'DELETE /sessions/:id from another session',
    async (t, victim) => {
      const other = await logIn(t, ADA)
      const res = await other.client.request(`/sessions/${victim.sessionId}`, { method: 'DELETE' })
      expect(res.status).toBe(204)
    },
  ],
  [
    'POST /logout-all from another session',
    async (t) => {
      const other = await logIn(t, ADA)
      expect((await other.client.request('/logout-all', post())).status).toBe(204)
    },
  ],
  [
    'POST /password from another session',
    async (t) => {
      const other = await logIn(t, ADA)
      const res = await other.client.request(
        '/password',
        post({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }),
      )
      expect(res.status).toBe(204)
    },
  ],
  [
    'POST /password/reset',
    async (t) => {
      expect((await resetWith(t, await resetToken(t, ADA))).status).toBe(204)
    },
  ],
  [
    'DELETE /account from another session',
    async (t) => {
      const other = await logIn(t, ADA)
      expect((await other.client.request('/account', del({ password: PASSWORD }))).status).toBe(204)
    },
  ],
  [
    'sessions.revokeAllForUser in the store (an admin)',
    async (t, victim) => {
      expect(await t.stores.sessions.revokeAllForUser(victim.userId as UserId, t.clock.now())).toBeGreaterThan(0)
    },
  ],
]

describe.each([1, 0])('SESSION_CHECK=strict, SESSION_CHECK_MAX_AGE=%i', (maxAge) => {
  it.each(REVOCATIONS)('after %s, the old access token is refused within the max-age', async (_name, revoke) => {
    const t = await setupInstrumented({ mail: true, policy: strict(maxAge) })
    const victim = await signedIn(t, ADA)
    const token = accessOf(victim.client)
    expect((await asBearer(t, token)).status).toBe(200)
    await revoke(t, victim)
    t.clock.advance(maxAge * SEC)
    await expectProblem(await asBearer(t, token), 401, 'unauthorized')
    await expectProblem(await asCookie(t, token), 401, 'unauthorized')
  })

  // Needs the store to persist `UserRecord.disabled` (memory does; the other stores from the admin work).
  it('refuses a disabled user’s token with 403 account_disabled within the max-age', async () => {
    const t = await setupInstrumented({ policy: strict(maxAge) })
    const victim = await signedIn(t, ADA)
    const token = accessOf(victim.client)
    expect(await t.stores.users.update(victim.userId as UserId, { disabled: true })).not.toBeNull()
    t.clock.advance(maxAge * SEC)
    await expectProblem(await asBearer(t, token), 403, 'account_disabled')
    await expectProblem(await asCookie(t, token), 403, 'account_disabled')
    // The browser, with its refresh cookie too: the same answer, and both cookies cleared, as a
    // refresh refused for a disabled account clears them.
    const res = await victim.client.request('/session')
    await expectProblem(res, 403, 'account_disabled')
    expectCookiesCleared(res)
  })

  it('answers 503 store_unavailable with Retry-After, and no cookie change, while the store is down', async () => {
    const t = await setupInstrumented({ policy: strict(maxAge) })
    const { client } = await signedIn(t, ADA)
    t.clock.advance(maxAge * SEC)
    t.store.down = true
    const browser = await client.request('/session')
    await expectProblem(browser, 503, 'store_unavailable')
    expect(retryAfter(browser)).toBeGreaterThan(0)
    expect(setsCookies(browser)).toBe(false)
    await expectProblem(await asBearer(t, accessOf(client)), 503, 'store_unavailable')
    t.store.down = false
    expect((await client.request('/session')).status).toBe(200)
  })
})

describe('SESSION_CHECK=strict: the in-process memory of a yes', () => {
  it('admits a revoked session for less than the max-age after the read that confirmed it, never longer', async () => {
    const t = await setupInstrumented({ policy: strict(1) })
    const victim = await signedIn(t, ADA) // its GET /session confirmed the session now
    const token = accessOf(victim.client)
    await t.stores.sessions.revoke(victim.sessionId as never)
    t.clock.advance(SEC - 1)
    expect((await asBearer(t, token)).status).toBe(200)
    t.clock.advance(1)
    await expectProblem(await asBearer(t, token), 401, 'unauthorized')
    // A refusal is not remembered: nor is it a yes for the next request.
    await expectProblem(await asCookie(t, token), 401, 'unauthorized')
  })

  it('reads the session and the user once per max-age, and on every request with max-age 0', async () => {
    const t = await setupInstrumented({ policy: strict(1) })
    const { client } = await signedIn(t, ADA)
    t.clock.advance(SEC) // past the yes of signedIn's own GET /session
    const from = t.store.calls.length
    expect((await client.request('/session')).status).toBe(200)
    expect((await client.request('/session')).status).toBe(200)
    expect(t.store.calls.slice(from).sort()).toEqual(['sessions.find', 'users.findById'])
    t.clock.advance(SEC)
    expect((await client.request('/session')).status).toBe(200)
    expect(t.store.calls.slice(from).sort()).toEqual([
      'sessions.find',
      'sessions.find',
      'users.findById',
      'users.findById',
    ])

    const uncached = await setupInstrumented({ policy: strict(0) })
    const other = await signedIn(uncached, ADA)
    const before = uncached.store.calls.length
    expect((await other.client.request('/session')).status).toBe(200)
    expect((await other.client.request('/session')).status).toBe(200)
    expect(uncached.store.calls.slice(before).sort()).toEqual([
      'sessions.find',
      'sessions.find',
      'users.findById',
      'users.findById',
    ])
  })

  it('lets a live-session route skip its own read only after a fresh confirmation, not a remembered one', async () => {
    const t = await setupInstrumented({ policy: strict(1) })
    const { client } = await signedIn(t, ADA)
    t.clock.advance(SEC)
    let from = t.store.calls.length
    expect((await client.request('/profile', post({ name: 'Ada' }))).status).toBe(200) // confirmed by the check's read
    expect(t.store.calls.slice(from).filter((c) => c === 'sessions.find')).toHaveLength(1)
    from = t.store.calls.length
    expect((await client.request('/profile', post({ name: 'Ada' }))).status).toBe(200) // remembered: the route reads
    expect(t.store.calls.slice(from).filter((c) => c === 'sessions.find')).toHaveLength(1)
    expect(t.store.calls.slice(from)).not.toContain('users.findById')
  })

  it('makes no check of its own on a request that rotated: the rotation confirmed the session', async () => {
    const t = await setupInstrumented({ policy: strict(1) })
    const { client } = await signedIn(t, ADA)
    t.clock.advance(11 * MIN) // the access token has expired
    const from = t.store.calls.length
    const res = await client.request('/session')
    expect(res.status).toBe(200)
    expect(setsCookies(res)).toBe(true)
    expect(t.store.calls.slice(from)).not.toContain('sessions.find')
    expect(t.store.calls.slice(from)).toContain('sessions.rotate')
  })

  it('answers a revoked session’s browser with 401 and leaves its cookies alone (its refresh fails too)', async () => {
    const t = await setupInstrumented({ policy: strict(0) })
    const victim = await signedIn(t, ADA)
    const other = await logIn(t, ADA)
    expect((await other.client.request('/logout-all', post())).status).toBe(204)
    const res = await victim.client.request('/session')
    await expectProblem(res, 401, 'unauthorized')
    expect(setsCookies(res)).toBe(false)
  })
})

describe('SESSION_CHECK=strict when a rotation cannot read the account', () => {
  it('hands over the rotated cookies on a 503 rather than pass a user it could not check', async () => {
    const t = await setupInstrumented({ policy: strict(1) })
    const { client } = await signedIn(t, ADA)
    const before = client.jar.get('refresh_token')
    t.clock.advance(11 * MIN) // the access token has expired: this request rotates
    const users = t.deps.users
    ;(t.deps as { users: Deps['users'] }).users = {
      ...users,
      findById: () => Promise.reject(storeUnavailable('unreachable')),
    }
    const res = await client.request('/session')
    await expectProblem(res, 503, 'store_unavailable')
    expect(retryAfter(res)).toBeGreaterThan(0)
    // The rotation happened: the new pair rides on the 503, so the next request is no reuse.
    expect(client.jar.get('refresh_token')).not.toBe(before)
    ;(t.deps as { users: Deps['users'] }).users = users
    expect((await client.request('/session')).status).toBe(200)
  })
})

describe('SESSION_CHECK=strict in a host app', () => {
  it('makes requireAuth on the host’s own routes refuse a revoked session within the max-age', async () => {
    const t = await setupInstrumented({ policy: strict(1) })
    const { app, auth } = hostApp(t)
    app.get('/orders', auth.requireAuth, (c) => c.json({ for: c.get('auth').userId }))
    const client = new TestClient(app)
    expect((await client.request('/auth/register', post({ email: ADA, password: PASSWORD }))).status).toBe(201)
    expect((await client.request('/auth/login', post({ email: ADA, password: PASSWORD }))).status).toBe(200)
    const token = accessOf(client)
    expect((await app.request('/orders', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)

    const user = await t.stores.users.findByEmail(ADA as never)
    await t.stores.sessions.revokeAllForUser(user?.id as UserId, t.clock.now())
    t.clock.advance(SEC)
    await expectProblem(
      await app.request('/orders', { headers: { authorization: `Bearer ${token}` } }),
      401,
      'unauthorized',
    )
    await expectProblem(
      await app.request('/orders', { headers: { cookie: `access_token=${token}` } }),
      401,
      'unauthorized',
    )
  })
})

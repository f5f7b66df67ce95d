import { describe, expect, it } from 'vitest'
import type { SessionId } from '../../src/domain/session.js'
import { seconds } from '../../src/domain/units.js'
import { TEST_SECRET } from '../support/constants.js'
import { parseSetCookies } from '../support/set-cookie.js'
import {
  b64url,
  bodyOf,
  DAY,
  expectProblem,
  hmac,
  PASSWORD,
  post,
  refreshWith,
  SEC,
  setsCookies,
  setup,
  signedIn,
} from './helpers.js'

/** The refresh token a response set. */
const newRefresh = (res: Response): string | undefined => parseSetCookies(res).get('refresh_token')?.value

/** Flips the first character of the MAC (the last one carries only four bits). */
const tamper = (token: string): string => {
  const [sid, gen, mac = ''] = token.split('.')
  return `${sid}.${gen}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`
}

describe('POST /refresh', () => {
  it('answers 200 {accessTokenExpiresAt, refreshTokenExpiresAt} and rotates both cookies', async () => {
    const t = await setup()
    const { client, sessionId, userId } = await signedIn(t, 'ada@example.com')
    const before = new Map(client.jar)
    t.clock.advance(60 * SEC)
    const now = t.clock.now()
    const res = await client.request('/refresh', { method: 'POST' })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = await bodyOf(res)
    expect(body).toEqual({
      accessTokenExpiresAt: new Date(Math.floor(now / 1000) * 1000 + 600_000).toISOString(),
      refreshTokenExpiresAt: new Date(now + 30 * DAY).toISOString(),
    })
    const cookies = parseSetCookies(res)
    expect(cookies.get('access_token')?.value).not.toBe(before.get('access_token'))
    expect(cookies.get('refresh_token')?.value).not.toBe(before.get('refresh_token'))
    // Same session and user, new tokens that work.
    expect(await bodyOf(await client.request('/session'))).toMatchObject({ userId, sessionId })
    expect((await client.request('/refresh', { method: 'POST' })).status).toBe(200)
  })

  it('issues an opaque refresh token (not a JWT) with at least 256 bits of MAC', async () => {
    const t = await setup()
    const { client } = await signedIn(t, 'ada@example.com')
    const token = client.jar.get('refresh_token') ?? ''
    const parts = token.split('.')
    expect(parts).toHaveLength(3)
    expect(() => JSON.parse(atob(parts[0] ?? ''))).toThrow()
    expect((parts[2] ?? '').length).toBeGreaterThanOrEqual(43)
  })

  it('answers 401 unauthorized without a refresh cookie, or with garbage in it, and sets nothing', async () => {
    const t = await setup()
    const none = await t.client.request('/refresh', { method: 'POST' })
    await expectProblem(none, 401, 'unauthorized')
    expect(setsCookies(none)).toBe(false)
    for (const junk of ['x', 'a.b.c', `${'A'.repeat(22)}.0.${'A'.repeat(43)}`, 'eyJhbGciOiJIUzI1NiJ9.e30.sig']) {
      await expectProblem(await refreshWith(t, junk), 401, 'unauthorized')
    }
  })

  describe('rotation grace', () => {
    it('lets the previous token within REFRESH_REUSE_GRACE return the same successor token', async () => {
      const t = await setup()
      const { client, sessionId } = await signedIn(t, 'ada@example.com')
      const first = client.jar.get('refresh_token') ?? ''
      const r1 = await refreshWith(t, first)
      expect(r1.status).toBe(200)
      const successor = newRefresh(r1)
      expect(successor).toBeDefined()

      t.clock.advance(t.deps.policy.refreshReuseGrace) // the window's last instant
      const r2 = await refreshWith(t, first)
      expect(r2.status).toBe(200)
      expect(newRefresh(r2)).toBe(successor)
      expect(parseSetCookies(r2).get('access_token')?.value).toBeTruthy()

      // The client holds a working token: the successor rotates, the session lives on.
      const r3 = await refreshWith(t, successor ?? '')
      expect(r3.status).toBe(200)
      expect(await t.stores.sessions.find(sessionId as SessionId, t.clock.now())).not.toBeNull()
    })

    it('lets parallel refreshes with the same cookie all succeed with identical new tokens', async () => {
      const t = await setup()
      const { client } = await signedIn(t, 'ada@example.com')
      const token = client.jar.get('refresh_token') ?? ''
      const answers = await Promise.all(Array.from({ length: 6 }, () => refreshWith(t, token)))
      expect(answers.map((r) => r.status)).toEqual(Array(6).fill(200))
      const refreshes = new Set(answers.map(newRefresh))
      const accesses = new Set(answers.map((r) => parseSetCookies(r).get('access_token')?.value))
      expect(refreshes.size).toBe(1)
      expect(accesses.size).toBe(1)
      expect([...refreshes][0]).not.toBe(token)
      expect((await refreshWith(t, [...refreshes][0] ?? '')).status).toBe(200)
    })
  })

  describe('reuse detection', () => {
    it('treats the previous token after the grace window as reuse: 401 refresh_reused, session revoked', async () => {
      const t = await setup()
      const { client, sessionId } = await signedIn(t, 'ada@example.com')
      const first = client.jar.get('refresh_token') ?? ''
      expect((await client.request('/refresh', { method: 'POST' })).status).toBe(200)
      const current = client.jar.get('refresh_token') ?? ''

      t.clock.advance(t.deps.policy.refreshReuseGrace + 1)
      const replay = await refreshWith(t, first)
      await expectProblem(replay, 401, 'refresh_reused')
      const cleared = parseSetCookies(replay)
      expect(cleared.get('refresh_token')?.attrs.get('max-age')).toBe('0')
      expect(cleared.get('access_token')?.attrs.get('max-age')).toBe('0')

      // The whole session is gone: the current token stops working too.
      expect(await t.stores.sessions.find(sessionId as SessionId, t.clock.now())).toBeNull()
      await expectProblem(await refreshWith(t, current), 401, 'unauthorized')
      await expectProblem(await client.request('/refresh', { method: 'POST' }), 401, 'unauthorized')
    })

    it('treats an older token as reuse even inside the grace window', async () => {
      const t = await setup()
      const { client, sessionId } = await signedIn(t, 'ada@example.com')
      const gen0 = client.jar.get('refresh_token') ?? ''
      expect((await client.request('/refresh', { method: 'POST' })).status).toBe(200)
      expect((await client.request('/refresh', { method: 'POST' })).status).toBe(200)
      const gen2 = client.jar.get('refresh_token') ?? ''

      await expectProblem(await refreshWith(t, gen0), 401, 'refresh_reused')
      expect(await t.stores.sessions.find(sessionId as SessionId, t.clock.now())).toBeNull()
      await expectProblem(await refreshWith(t, gen2), 401, 'unauthorized')
    })

    it('leaves other sessions of the user alone', async () => {
      const t = await setup()
      const a = await signedIn(t, 'ada@example.com')
      const b = await signedIn(t, 'ada@example.com')
      const old = a.client.jar.get('refresh_token') ?? ''
      await a.client.request('/refresh', { method: 'POST' })
      t.clock.advance(60 * SEC)
      await expectProblem(await refreshWith(t, old), 401, 'refresh_reused')
      expect((await b.client.request('/refresh', { method: 'POST' })).status).toBe(200)
    })

    it('answers a forged or tampered token naming a real session with a plain 401 and revokes nothing', async () => {
      const t = await setup()
      const { client, sessionId } = await signedIn(t, 'ada@example.com')
      const real = client.jar.get('refresh_token') ?? ''
      const [sid, gen] = real.split('.')
      const forged = [
        tamper(real),
        `${sid}.${Number(gen) + 1}.${real.split('.')[2]}`,
        `${sid}.${gen}.${await hmac('SHA-256', TEST_SECRET, `rt1.${sid}.${gen}`)}`, // the JWT key is not the refresh key
        `${sid}.${gen}.${b64url(new Uint8Array(32))}`,
        `${sid}.0`,
        `${sid}.${gen}.${real.split('.')[2]}.extra`,
      ]
      for (const token of forged) {
        const res = await refreshWith(t, token)
        await expectProblem(res, 401, 'unauthorized')
        expect(setsCookies(res)).toBe(false)
      }
      t.clock.advance(60 * SEC)
      expect(await t.stores.sessions.find(sessionId as SessionId, t.clock.now())).not.toBeNull()
      // Still the current generation: it rotates (it would be reuse had anything rotated it).
      expect((await client.request('/refresh', { method: 'POST' })).status).toBe(200)
    })

    it('answers a token of a logged-out session with a plain 401', async () => {
      const t = await setup()
      const { client } = await signedIn(t, 'ada@example.com')
      const token = client.jar.get('refresh_token') ?? ''
      expect((await client.request('/logout', post())).status).toBe(204)
      await expectProblem(await refreshWith(t, token), 401, 'unauthorized')
    })
  })

  describe('sliding and absolute expiry', () => {
    it('renews the session for REFRESH_TOKEN_TTL on each rotation, and ends it when unused that long', async () => {
      const t = await setup()
      const { client } = await signedIn(t, 'ada@example.com')
      const ttl = t.deps.policy.refreshTokenTtl / SEC // in seconds, as Max-Age counts
      t.clock.advance(20 * DAY)
      const res = await client.request('/refresh', { method: 'POST' })
      expect(res.status).toBe(200)
      expect((await bodyOf(res)).refreshTokenExpiresAt).toBe(new Date(t.clock.now() + ttl * SEC).toISOString())
      expect(parseSetCookies(res).get('refresh_token')?.attrs.get('max-age')).toBe(String(ttl))

      // Unused for one second less than the TTL: alive. For the whole TTL: gone.
      t.clock.advance(ttl * SEC - SEC)
      expect((await client.request('/refresh', { method: 'POST' })).status).toBe(200)
      t.clock.advance(ttl * SEC)
      await expectProblem(await client.request('/refresh', { method: 'POST' }), 401, 'unauthorized')
    })

    it('never extends a session past SESSION_MAX_LIFETIME from login', async () => {
      const t = await setup()
      const loginAt = t.clock.now()
      const { client } = await signedIn(t, 'ada@example.com')
      const max = t.deps.policy.sessionMaxLifetime
      const end = loginAt + max
      // Keep the session busy: a rotation every 20 days.
      for (let day = 20; day * DAY < max; day += 20) {
        t.clock.set(loginAt + day * DAY)
        const res = await client.request('/refresh', { method: 'POST' })
        expect(res.status).toBe(200)
        const expected = Math.min(t.clock.now() + t.deps.policy.refreshTokenTtl, end)
        expect((await bodyOf(res)).refreshTokenExpiresAt).toBe(new Date(expected).toISOString())
        const maxAge = Number(parseSetCookies(res).get('refresh_token')?.attrs.get('max-age'))
        expect(maxAge).toBe(Math.ceil((expected - t.clock.now()) / SEC))
        expect(t.clock.now() + maxAge * SEC).toBeLessThanOrEqual(end)
      }
      t.clock.set(end - SEC)
      const last = await client.request('/refresh', { method: 'POST' })
      expect(last.status).toBe(200)
      expect(parseSetCookies(last).get('refresh_token')?.attrs.get('max-age')).toBe('1')
      t.clock.set(end)
      await expectProblem(await client.request('/refresh', { method: 'POST' }), 401, 'unauthorized')
    })

    it('caps the refresh cookie Max-Age at 400 days whatever the policy says', async () => {
      const t = await setup({
        policy: { refreshTokenTtl: seconds(500 * 86_400), sessionMaxLifetime: seconds(600 * 86_400) },
      })
      const { client } = await signedIn(t, 'ada@example.com')
      const res = await client.request('/refresh', { method: 'POST' })
      expect(parseSetCookies(res).get('refresh_token')?.attrs.get('max-age')).toBe(String(400 * 86_400))
      const login = await client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
      expect(parseSetCookies(login).get('refresh_token')?.attrs.get('max-age')).toBe(String(400 * 86_400))
    })
  })
})

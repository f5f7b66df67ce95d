import { describe, expect, it } from 'vitest'
import { type TestApp, TestClient } from '../support/app-harness.js'
import { TEST_SECRET } from '../support/constants.js'
import { parseSetCookies } from '../support/set-cookie.js'
import {
  claimsAt,
  cookieHeader,
  forgeJwt,
  logIn,
  PASSWORD,
  post,
  refreshWith,
  SEC,
  setup,
  setupInstrumented,
  signedIn,
} from './helpers.js'

const IP = '203.0.113.7'
const ip = { 'x-forwarded-for': IP }

const named = (t: TestApp, name: string) => t.events.filter((e) => e.name === name).map((e) => e.fields)

describe('security events', () => {
  it('logs register, login success and login failure with the client IP', async () => {
    const t = await setup()
    const { userId, sessionId } = await signedIn(t, 'ada@example.com', { headers: ip })
    await new TestClient(t.app).request('/login', post({ email: 'ada@example.com', password: 'wrong password' }, ip))
    await new TestClient(t.app).request('/login', post({ email: 'ghost@example.com', password: 'wrong password' }, ip))
    expect(named(t, 'register')).toEqual([expect.objectContaining({ userId, ip: IP })])
    expect(named(t, 'login_success')).toEqual([expect.objectContaining({ userId, sessionId, ip: IP })])
    expect(named(t, 'login_failure')).toEqual([
      expect.objectContaining({ userId, ip: IP }),
      expect.objectContaining({ userId: null, ip: IP }),
    ])
  })

  it('logs a lockout', async () => {
    const t = await setup()
    await signedIn(t, 'ada@example.com')
    for (let i = 0; i < t.deps.policy.loginFailureLimit; i++) {
      await new TestClient(t.app).request('/login', post({ email: 'ada@example.com', password: 'wrong password' }))
    }
    expect(named(t, 'login_locked')).toEqual([])
    const res = await new TestClient(t.app).request(
      '/login',
      post({ email: 'ada@example.com', password: PASSWORD }, ip),
    )
    expect(res.status).toBe(429)
    expect(named(t, 'login_locked')).toEqual([expect.objectContaining({ ip: IP })])
  })

  it('logs refreshes, transparent ones included, with session id and IP', async () => {
    const t = await setup()
    const { client, userId, sessionId } = await signedIn(t, 'ada@example.com')
    await client.request('/refresh', { method: 'POST', headers: ip })
    client.jar.delete('access_token')
    await client.request('/profile', { headers: ip })
    expect(named(t, 'refresh')).toEqual([
      expect.objectContaining({ userId, sessionId, ip: IP }),
      expect.objectContaining({ userId, sessionId, ip: IP }),
    ])
  })

  it('logs a detected reuse with the session id and the IP', async () => {
    const t = await setup()
    const { client, userId, sessionId } = await signedIn(t, 'ada@example.com')
    const stale = client.jar.get('refresh_token') ?? ''
    await client.request('/refresh', { method: 'POST' })
    t.clock.advance(60 * SEC)
    expect((await refreshWith(t, stale, ip)).status).toBe(401)
    expect(named(t, 'refresh_reused')).toEqual([expect.objectContaining({ userId, sessionId, ip: IP })])
  })

  it('logs no reuse for a forged refresh token', async () => {
    const t = await setup()
    const { client } = await signedIn(t, 'ada@example.com')
    const [sid, gen] = (client.jar.get('refresh_token') ?? '').split('.')
    await refreshWith(t, `${sid}.${gen}.${'A'.repeat(43)}`, ip)
    expect(named(t, 'refresh_reused')).toEqual([])
    expect(named(t, 'refresh')).toEqual([])
  })

  it('logs logout and logout-all', async () => {
    const t = await setup()
    const one = await signedIn(t, 'ada@example.com')
    const two = await logIn(t, 'ada@example.com')
    await logIn(t, 'ada@example.com')
    await one.client.request('/logout', { method: 'POST', headers: ip })
    await two.client.request('/logout-all', { method: 'POST', headers: ip })
    expect(named(t, 'logout')).toEqual([
      expect.objectContaining({ userId: one.userId, sessionId: one.sessionId, ip: IP }),
    ])
    expect(named(t, 'logout_all')).toEqual([expect.objectContaining({ userId: one.userId, revoked: 2, ip: IP })])
  })

  it('logs a CSRF rejection', async () => {
    const t = await setup()
    await t.client.request(
      '/register',
      post({ email: 'x@example.com', password: PASSWORD }, { ...ip, origin: 'https://evil.example' }),
    )
    expect(named(t, 'csrf_rejected')).toEqual([expect.objectContaining({ ip: IP, path: '/register' })])
  })

  it('logs a store outage', async () => {
    const t = await setupInstrumented()
    t.store.down = true
    await t.client.request('/register', post({ email: 'x@example.com', password: PASSWORD }, ip))
    expect(named(t, 'store_unavailable')).toEqual([expect.objectContaining({ path: '/register' })])
  })

  it('never puts a token, a password or the secret in an event, a response body or a header', async () => {
    const t = await setupInstrumented()
    const seen: Response[] = []
    const tokens = new Set<string>()
    const record = async (res: Response | Promise<Response>): Promise<Response> => {
      const r = await res
      seen.push(r.clone())
      for (const { value } of parseSetCookies(r).values()) {
        if (value) {
          tokens.add(value)
          // The MAC and signature parts on their own, too.
          tokens.add(value.split('.').at(-1) ?? value)
        }
      }
      return r
    }
    const a = new TestClient(t.app)
    const go = (path: string, init: RequestInit & { json?: unknown } = {}) => record(a.request(path, init))
    const passwords = [PASSWORD, 'wrong password one', 'Sup3r-secret-passphrase']

    await go('/register', post({ email: 'ada@example.com', password: PASSWORD }, ip))
    await go('/register', post({ email: 'ada@example.com', password: passwords[2] }, ip))
    await go('/register', post({ email: 'short@example.com', password: 'x1' }, ip))
    await go('/login', post({ email: 'ada@example.com', password: passwords[1] }, ip))
    await go('/login', post({ email: 'ghost@example.com', password: passwords[1] }, ip))
    await go('/login', post({ email: 'ada@example.com', password: PASSWORD }, ip))
    const first = a.jar.get('refresh_token') ?? ''
    const access = a.jar.get('access_token') ?? ''
    await go('/session')
    await go('/profile', post({ name: 'Ada' }))
    await go('/refresh', post())
    a.jar.delete('access_token')
    await go('/profile')
    // Tokens sent back in the wrong places, tampered, expired and forged.
    await record(t.app.request('/session', { headers: { authorization: `Basic ${access}` } }))
    await record(t.app.request('/session', { headers: { authorization: `Bearer ${access}x` } }))
    await record(
      t.app.request('/session', { headers: { cookie: cookieHeader({ access_token: `${access.slice(0, -1)}A` }) } }),
    )
    const forged = await forgeJwt({ alg: 'none' }, claimsAt(t.clock.now(), 'u', 's'), { signature: '' })
    tokens.add(forged)
    await record(t.app.request('/session', { headers: { authorization: `Bearer ${forged}` } }))
    t.clock.advance(60 * SEC)
    await record(refreshWith(t, first, ip))
    await go('/login', post({ email: 'ada@example.com', password: PASSWORD }, ip))
    await go('/sessions')
    await go('/logout', post(undefined, ip))
    await go(
      '/login',
      post({ email: 'ada@example.com', password: PASSWORD }, { ...ip, origin: 'https://evil.example' }),
    )
    t.store.down = true
    await go('/login', post({ email: 'ada@example.com', password: PASSWORD }, ip))
    await record(t.app.request('/health'))

    const forbidden = [...passwords, TEST_SECRET, ...tokens].filter((s) => s.length >= 8)
    expect(tokens.size).toBeGreaterThan(4)
    const events = JSON.stringify(t.events)
    for (const secret of forbidden) expect(events).not.toContain(secret)
    for (const res of seen) {
      const text = await res.text()
      const headers = [...res.headers].filter(([k]) => k.toLowerCase() !== 'set-cookie').join('\n')
      for (const secret of forbidden) {
        expect(text).not.toContain(secret)
        expect(headers).not.toContain(secret)
      }
    }
    for (const name of ['register', 'login_success', 'login_failure', 'refresh', 'refresh_reused', 'logout']) {
      expect(named(t, name).length, name).toBeGreaterThan(0)
    }
    expect(named(t, 'csrf_rejected')).toHaveLength(1)
    expect(named(t, 'store_unavailable').length).toBeGreaterThan(0)
  })
})

import { describe, expect, it } from 'vitest'
import { type TestApp, TestClient } from '../support/app-harness.js'
import { expectProblem, MIN, PASSWORD, post, SEC, setsCookies, setup, signedIn } from './helpers.js'

const WRONG = 'not the right password'
const WINDOW = 15 * MIN

const attempt = (t: TestApp, email: string, password: string, ip = '198.51.100.1') =>
  new TestClient(t.app).request('/login', post({ email, password }, { 'x-forwarded-for': ip }))

/** Fails `n` logins for an email, each from a different IP so the per-IP limit stays out of it. */
async function fail(t: TestApp, email: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await attempt(t, email, WRONG, `198.51.100.${i + 10}`)
    expect(res.status, `failure ${i + 1}`).toBe(401)
  }
}

const retryAfter = (res: Response): number => Number(res.headers.get('retry-after'))

describe('failed-login throttling', () => {
  it('answers 429 with Retry-After after LOGIN_FAILURE_LIMIT failures, even with the right password', async () => {
    const t = await setup()
    await signedIn(t, 'ada@example.com')
    const limit = t.deps.policy.loginFailureLimit
    await fail(t, 'ada@example.com', limit)
    for (const password of [WRONG, PASSWORD]) {
      const res = await attempt(t, 'ada@example.com', password, '203.0.113.99')
      await expectProblem(res, 429, 'rate_limited')
      expect(setsCookies(res)).toBe(false)
      expect(retryAfter(res)).toBeGreaterThan(0)
      expect(retryAfter(res)).toBeLessThanOrEqual(WINDOW / SEC)
    }
  })

  it('holds the limit against logins racing in parallel, the right password among them', async () => {
    const t = await setup()
    await signedIn(t, 'ada@example.com')
    const limit = t.deps.policy.loginFailureLimit
    const racers = Array.from({ length: 4 * limit }, (_, i) => attempt(t, 'ada@example.com', WRONG, `198.51.100.${i}`))
    const statuses = (await Promise.all(racers)).map((r) => r.status)
    // Only `limit` attempts reach the password check; every other racer is refused before it.
    expect(statuses.filter((s) => s === 401)).toHaveLength(limit)
    expect(statuses.filter((s) => s === 429)).toHaveLength(3 * limit)
    await expectProblem(await attempt(t, 'ada@example.com', PASSWORD, '203.0.113.7'), 429, 'rate_limited')
  })

  it('counts per normalised email, whatever its spelling', async () => {
    const t = await setup()
    await signedIn(t, 'ada@example.com')
    const spellings = [
      'ada@example.com',
      'ADA@example.com',
      ' Ada@Example.Com ',
      'ada＠example.com',
      'ａｄａ@example.com',
    ]
    for (let i = 0; i < t.deps.policy.loginFailureLimit; i++) {
      expect((await attempt(t, spellings[i % spellings.length] ?? '', WRONG, `198.51.100.${i}`)).status).toBe(401)
    }
    await expectProblem(await attempt(t, 'ada@example.com', PASSWORD), 429, 'rate_limited')
    // Another account is not locked.
    await signedIn(t, 'bob@example.com')
  })

  it('locks an unknown email the same way, with the same answer (no oracle)', async () => {
    const t = await setup()
    await signedIn(t, 'ada@example.com')
    const limit = t.deps.policy.loginFailureLimit
    await fail(t, 'ada@example.com', limit)
    await fail(t, 'ghost@example.com', limit)
    const known = await attempt(t, 'ada@example.com', PASSWORD)
    const unknown = await attempt(t, 'ghost@example.com', PASSWORD)
    expect(known.status).toBe(429)
    expect(unknown.status).toBe(429)
    expect(await known.text()).toBe(await unknown.text())
    expect(known.headers.get('retry-after')).toBe(unknown.headers.get('retry-after'))
  })

  it('resets the count on a successful login', async () => {
    const t = await setup()
    await signedIn(t, 'ada@example.com')
    const limit = t.deps.policy.loginFailureLimit
    await fail(t, 'ada@example.com', limit - 1)
    expect((await attempt(t, 'ada@example.com', PASSWORD)).status).toBe(200)
    await fail(t, 'ada@example.com', limit - 1)
    expect((await attempt(t, 'ada@example.com', PASSWORD)).status).toBe(200)
  })

  it('reopens when the 15-minute window passes', async () => {
    const t = await setup()
    await signedIn(t, 'ada@example.com')
    await fail(t, 'ada@example.com', t.deps.policy.loginFailureLimit)
    const locked = await attempt(t, 'ada@example.com', PASSWORD)
    expect(locked.status).toBe(429)
    t.clock.advance(retryAfter(locked) * SEC - 2 * SEC)
    expect((await attempt(t, 'ada@example.com', PASSWORD)).status).toBe(429)
    t.clock.advance(2 * SEC)
    expect((await attempt(t, 'ada@example.com', PASSWORD)).status).toBe(200)
  })

  it('keeps the lock for the whole window after the first failure, at most 15 minutes', async () => {
    const t = await setup()
    await signedIn(t, 'ada@example.com')
    await fail(t, 'ada@example.com', t.deps.policy.loginFailureLimit)
    t.clock.advance(WINDOW - SEC)
    expect((await attempt(t, 'ada@example.com', PASSWORD)).status).toBe(429)
    t.clock.advance(SEC)
    expect((await attempt(t, 'ada@example.com', PASSWORD)).status).toBe(200)
  })
})

describe('per-IP limits', () => {
  const LIMIT = 5

  async function exhaust(t: TestApp, path: string, ip: string, init: () => RequestInit & { json?: unknown }) {
    for (let i = 0; i < LIMIT; i++) {
      const res = await new TestClient(t.app).request(path, withIp(init(), ip))
      expect(res.status, `${path} #${i + 1}`).not.toBe(429)
    }
  }

  const withIp = (init: RequestInit & { json?: unknown }, ip: string) => ({
    ...init,
    headers: { ...(init.headers as Record<string, string>), 'x-forwarded-for': ip },
  })

  let n = 0
  const registerBody = () => post({ email: `r${++n}@example.com`, password: PASSWORD })
  const loginBody = () => post({ email: 'nobody@example.com', password: WRONG })
  const refreshBody = () => ({ method: 'POST' })

  it.each([
    ['/register', registerBody],
    ['/login', loginBody],
    ['/refresh', refreshBody],
  ] as const)('limits %s to RATE_LIMIT_PER_MINUTE per client IP, with Retry-After', async (path, init) => {
    const t = await setup({ policy: { rateLimitPerMinute: LIMIT, loginFailureLimit: 1000 } })
    await exhaust(t, path, '203.0.113.1', init)
    const res = await new TestClient(t.app).request(path, withIp(init(), '203.0.113.1'))
    await expectProblem(res, 429, 'rate_limited')
    expect(retryAfter(res)).toBeGreaterThan(0)
    expect(retryAfter(res)).toBeLessThanOrEqual(60)
    // Another client is not limited.
    expect((await new TestClient(t.app).request(path, withIp(init(), '203.0.113.2'))).status).not.toBe(429)
    // The minute passing reopens it.
    t.clock.advance(60 * SEC)
    expect((await new TestClient(t.app).request(path, withIp(init(), '203.0.113.1'))).status).not.toBe(429)
  })

  it('counts /register, /login and /refresh separately', async () => {
    const t = await setup({ policy: { rateLimitPerMinute: LIMIT, loginFailureLimit: 1000 } })
    const ip = '203.0.113.7'
    await exhaust(t, '/register', ip, registerBody)
    expect((await new TestClient(t.app).request('/register', withIp(registerBody(), ip))).status).toBe(429)
    await exhaust(t, '/login', ip, loginBody)
    expect((await new TestClient(t.app).request('/login', withIp(loginBody(), ip))).status).toBe(429)
    await exhaust(t, '/refresh', ip, refreshBody)
    expect((await new TestClient(t.app).request('/refresh', withIp(refreshBody(), ip))).status).toBe(429)
  })

  it('refuses a limited register before any work', async () => {
    const t = await setup({ policy: { rateLimitPerMinute: LIMIT } })
    await exhaust(t, '/register', '203.0.113.8', registerBody)
    const res = await t.client.request(
      '/register',
      post({ email: 'late@example.com', password: PASSWORD }, { 'x-forwarded-for': '203.0.113.8' }),
    )
    expect(res.status).toBe(429)
    expect(await t.stores.users.findByEmail('late@example.com' as never)).toBeNull()
  })

  it('does not count transparent refreshes inside "auth"', async () => {
    const t = await setup({ policy: { rateLimitPerMinute: 3 } })
    const ip = { 'x-forwarded-for': '203.0.113.9' }
    const { client } = await signedIn(t, 'ada@example.com', { headers: ip })
    for (let i = 0; i < 6; i++) {
      client.jar.delete('access_token')
      const res = await client.request('/profile', { headers: ip })
      expect(res.status, `transparent refresh #${i + 1}`).toBe(200)
      expect(setsCookies(res)).toBe(true)
    }
    for (let i = 0; i < 3; i++)
      expect((await client.request('/refresh', { method: 'POST', headers: ip })).status).toBe(200)
    await expectProblem(await client.request('/refresh', { method: 'POST', headers: ip }), 429, 'rate_limited')
  })
})

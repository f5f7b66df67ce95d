import { env, exports } from 'cloudflare:workers'
import { describe, expect, it, vi } from 'vitest'
import { createWorker, type WorkerEnv } from '../../src/worker.js'
import { captureConsole } from '../support/captured-console.js'
import { PASSWORD } from '../support/constants.js'
import { makeKeyPair } from '../support/key-pairs.js'
import { cookieHeaderOf, storeCookies } from '../support/set-cookie.js'

const ORIGIN = 'https://auth.example.com'

/** A browser-ish client over a fetch function: keeps cookies, sends an IP as Cloudflare does. */
function client(fetch: (req: Request) => Promise<Response>, ip = '198.51.100.7') {
  const jar = new Map<string, string>()
  return async (path: string, init: { method?: string; json?: unknown } = {}) => {
    const headers = new Headers({ 'cf-connecting-ip': ip })
    if (init.json !== undefined) headers.set('content-type', 'application/json')
    if (jar.size) headers.set('cookie', cookieHeaderOf(jar))
    const body = init.json === undefined ? null : JSON.stringify(init.json)
    const res = await fetch(new Request(`${ORIGIN}${path}`, { method: init.method ?? 'GET', headers, body }))
    storeCookies(jar, res)
    return res
  }
}

/** The Worker as deployed: wrangler.toml, the test project's vars, the real Durable Object. */
const self = (req: Request) => exports.default.fetch(req)

/** The test project's bindings with some vars changed (undefined removes one). */
const envWith = (vars: Record<string, string | undefined>): WorkerEnv => ({ ...env, ...vars }) as unknown as WorkerEnv

/** A fresh Worker (its own once-per-isolate app) over changed vars. */
const workerWith = (vars: Record<string, string | undefined>) => {
  const worker = createWorker()
  const changed = envWith(vars)
  return (req: Request) => worker.fetch(req, changed, ctx)
}

/** The names of the security events the Worker logged (its JSON lines with `type: "security"`). */
const securityEvents = (logged: ReturnType<typeof captureConsole>) =>
  logged
    .json()
    .filter((l) => l.type === 'security')
    .map((l) => l.event)

/**
 * The session events in order, and apart the mail events (the verification mail of a registration
 * goes after the answer, so where its `mail_sent` falls among the others is not fixed).
 */
const sessionAndMailEvents = (logged: ReturnType<typeof captureConsole>) => {
  const all = securityEvents(logged)
  return {
    session: all.filter((e) => !String(e).startsWith('mail_')),
    mail: all.filter((e) => String(e).startsWith('mail_')),
  }
}

/** A client address of its own per test: rate-limit objects outlive a test. */
const freshIp = () => `2001:db8::${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}`

describe('src/worker.ts through its fetch handler', () => {
  it('walks register, login, profile, refresh, logout on the Durable Object store', async () => {
    const logged = captureConsole()
    const request = client(self, freshIp())
    const email = `w-${crypto.randomUUID()}@example.com`
    const health = await request('/health')
    expect(await health.json()).toEqual({ status: 'ok', store: 'durable-object' })

    expect((await request('/register', { method: 'POST', json: { email, password: PASSWORD } })).status).toBe(201)
    const login = await request('/login', { method: 'POST', json: { email, password: PASSWORD } })
    expect(login.status).toBe(200)
    expect(login.headers.get('cache-control')).toBe('no-store')
    const profile = await request('/profile')
    expect(profile.status).toBe(200)
    expect(((await profile.json()) as { user: { email: string } }).user.email).toBe(email)
    expect((await request('/refresh', { method: 'POST' })).status).toBe(200)
    expect((await request('/sessions')).status).toBe(200)
    expect((await request('/logout', { method: 'POST' })).status).toBe(204)
    expect((await request('/profile')).status).toBe(401)
    expect(sessionAndMailEvents(logged)).toEqual({
      session: ['register', 'login_success', 'refresh', 'logout'],
      mail: ['mail_sent'],
    })
  })

  it('walks the same path on the KV store when STORE is kv', async () => {
    const logged = captureConsole()
    const kvRequest = client(workerWith({ STORE: 'kv' }), freshIp())
    expect(await (await kvRequest('/health')).json()).toEqual({ status: 'ok', store: 'kv' })
    const email = `k-${crypto.randomUUID()}@example.com`
    expect((await kvRequest('/register', { method: 'POST', json: { email, password: PASSWORD } })).status).toBe(201)
    expect((await kvRequest('/login', { method: 'POST', json: { email, password: PASSWORD } })).status).toBe(200)
    expect((await kvRequest('/profile')).status).toBe(200)
    expect((await kvRequest('/refresh', { method: 'POST' })).status).toBe(200)
    expect((await kvRequest('/logout', { method: 'POST' })).status).toBe(204)
    expect((await kvRequest('/profile')).status).toBe(401)
    expect(sessionAndMailEvents(logged)).toEqual({
      session: ['register', 'login_success', 'refresh', 'logout'],
      mail: ['mail_sent'],
    })
  })

  it('counts requests per client IP from CF-Connecting-IP', async () => {
    const logged = captureConsole()
    const limited = workerWith({ RATE_LIMIT_PER_MINUTE: '2' })
    const from = (ip: string) => client(limited, ip)
    const ip = freshIp()
    const a = from(ip)
    const body = { email: `nobody-${crypto.randomUUID()}@example.com`, password: PASSWORD }
    expect((await a('/login', { method: 'POST', json: body })).status).toBe(401)
    expect((await a('/login', { method: 'POST', json: body })).status).toBe(401)
    const third = await a('/login', { method: 'POST', json: body })
    expect(third.status).toBe(429)
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0)
    // Another address is another counter: past the per-IP limit, to the password check (an
    // over-long one, refused before any KDF: a third derivation this soon is over the Worker's
    // start budget and would be a 503).
    const overLong = { ...body, password: 'x'.repeat(1025) }
    expect((await from(`${ip}1`)('/login', { method: 'POST', json: overLong })).status).toBe(400)
    // The two failures reached the password check; the limited one and the over-long one did not.
    expect(securityEvents(logged)).toEqual(['login_failure', 'login_failure'])
  })

  it('in production without JWT_SECRET, answers every request 500 without the secret, and logs why', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const prod = workerWith({ NODE_ENV: 'production', JWT_SECRET: undefined })
      for (const path of ['/health', '/login']) {
        const res = await prod(new Request(`${ORIGIN}${path}`))
        expect(res.status).toBe(500)
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
        expect(await res.json()).toMatchObject({ status: 500, code: 'internal' })
      }
      expect(errors).toHaveBeenCalledTimes(1) // once per isolate, not per request
      expect(String(errors.mock.calls[0]?.[0])).toMatch(/JWT_SECRET/)
    } finally {
      errors.mockRestore()
    }
  })

  it('in production with a short secret, never shows the secret in the answer or the log', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const secret = 'short-but-secret-value'
      const res = await workerWith({ NODE_ENV: 'production', JWT_SECRET: secret })(new Request(`${ORIGIN}/health`))
      expect(res.status).toBe(500)
      expect(await res.text()).not.toContain(secret)
      const logged = errors.mock.calls.flat().map(String).join('\n')
      expect(logged).toMatch(/JWT_SECRET/)
      expect(logged).not.toContain(secret)
    } finally {
      errors.mockRestore()
    }
  })

  it('outside production without JWT_SECRET, runs on an ephemeral secret with a warning', async () => {
    const logged = captureConsole()
    const dev = workerWith({ NODE_ENV: 'development', JWT_SECRET: undefined })
    expect((await dev(new Request(`${ORIGIN}/health`))).status).toBe(200)
    expect((await dev(new Request(`${ORIGIN}/health`))).status).toBe(200)
    expect(logged.texts('warn')).toHaveLength(1)
    expect(logged.texts('warn')[0]).toMatch(/JWT_SECRET/)
  })

  it('reads CORS_ORIGINS and COOKIE_SAMESITE from its vars', async () => {
    captureConsole() // its access lines
    const app = 'https://app.example.com'
    const worker = workerWith({ CORS_ORIGINS: app, COOKIE_SAMESITE: 'strict' })
    const headers = { origin: app, 'cf-connecting-ip': freshIp() }
    const pre = await worker(
      new Request(`${ORIGIN}/logout`, {
        method: 'OPTIONS',
        headers: { ...headers, 'access-control-request-method': 'POST' },
      }),
    )
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe(app)
    const logout = await worker(
      new Request(`${ORIGIN}/logout`, { method: 'POST', headers: { ...headers, 'sec-fetch-site': 'cross-site' } }),
    )
    expect(logout.status).toBe(204)
    expect(logout.headers.get('access-control-allow-credentials')).toBe('true')
    expect(logout.headers.getSetCookie().map((line) => /; SameSite=(\w+)/.exec(line)?.[1])).toEqual([
      'Strict',
      'Strict',
    ])
  })

  it('reads UI from its vars: the pages on, or the paths as the JSON API has them', async () => {
    captureConsole() // its access lines
    const get = (fetch: (req: Request) => Promise<Response>, path: string) =>
      fetch(new Request(`${ORIGIN}${path}`, { headers: { 'cf-connecting-ip': freshIp() } }))
    const on = await get(workerWith({ UI: 'on' }), '/login')
    expect(on.status).toBe(200)
    expect(on.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await on.text()).toContain('<button type="submit">Log in</button>')
    expect((await get(workerWith({ UI: 'on' }), '/ui/style.css')).headers.get('content-type')).toMatch(/^text\/css/)
    expect((await get(workerWith({ UI: 'off' }), '/login')).status).toBe(405)
  })

  it('reads SESSION_CHECK and SESSION_CHECK_MAX_AGE from its vars', async () => {
    captureConsole() // its access lines and the development mail
    const afterLogout = async (mode: string) => {
      const call = client(workerWith({ SESSION_CHECK: mode, SESSION_CHECK_MAX_AGE: '0' }), freshIp())
      const email = `strict-${crypto.randomUUID()}@example.com`
      expect((await call('/register', { method: 'POST', json: { email, password: PASSWORD } })).status).toBe(201)
      const login = await call('/login', { method: 'POST', json: { email, password: PASSWORD } })
      const access = login.headers
        .getSetCookie()
        .find((line) => line.startsWith('access_token='))
        ?.split(';')[0]
      expect(access).toBeDefined()
      expect((await call('/logout', { method: 'POST' })).status).toBe(204)
      const res = await workerWith({ SESSION_CHECK: mode, SESSION_CHECK_MAX_AGE: '0' })(
        new Request(`${ORIGIN}/session`, { headers: { cookie: access ?? '', 'cf-connecting-ip': freshIp() } }),
      )
      return res.status
    }
    expect(await afterLogout('strict')).toBe(401)
    expect(await afterLogout('off')).toBe(200)
  })

  it('refuses COOKIE_SAMESITE=none without Secure cookies with a 500 and a logged reason', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const res = await workerWith({ COOKIE_SAMESITE: 'none', COOKIE_SECURE: 'false' })(new Request(`${ORIGIN}/health`))
      expect(res.status).toBe(500)
      expect(String(errors.mock.calls[0]?.[0])).toMatch(/COOKIE_SAMESITE=none requires COOKIE_SECURE=true/)
    } finally {
      errors.mockRestore()
    }
  })

  it('reads ACCESS_TOKEN_ALG and JWT_PRIVATE_KEY (one line, \\n escapes) and serves the JWKS', async () => {
    captureConsole() // its access lines
    const keys = await makeKeyPair('EdDSA')
    const worker = workerWith({ ACCESS_TOKEN_ALG: 'EdDSA', JWT_PRIVATE_KEY: keys.privatePem.replaceAll('\n', '\\n') })
    const call = client(worker, freshIp())
    expect(
      (await call('/register', { method: 'POST', json: { email: 'jwks-worker@example.com', password: PASSWORD } }))
        .status,
    ).toBe(201)
    const login = await call('/login', {
      method: 'POST',
      json: { email: 'jwks-worker@example.com', password: PASSWORD },
    })
    expect(login.status).toBe(200)
    const access =
      login.headers
        .getSetCookie()
        .map((c) => /access_token=([^;]+)/.exec(c)?.[1])
        .find(Boolean) ?? ''
    const jwks = await worker(new Request(`${ORIGIN}/.well-known/jwks.json`))
    expect(jwks.status).toBe(200)
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=300')
    const { keys: published } = (await jwks.json()) as { keys: { kid: string; alg: string }[] }
    const header = JSON.parse(atob((access.split('.')[0] ?? '').replaceAll('-', '+').replaceAll('_', '/')))
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: published[0]?.kid })
  })

  it('refuses a private key of the other algorithm with a 500 and a logged reason, never the key', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const p256 = await makeKeyPair('ES256')
      const res = await workerWith({ ACCESS_TOKEN_ALG: 'EdDSA', JWT_PRIVATE_KEY: p256.privatePem })(
        new Request(`${ORIGIN}/health`),
      )
      expect(res.status).toBe(500)
      const logged = errors.mock.calls.flat().map(String).join('\n')
      expect(logged).toMatch(/JWT_PRIVATE_KEY is not an Ed25519 private key/)
      expect(logged).not.toContain(p256.privatePem.split('\n')[1])
    } finally {
      errors.mockRestore()
    }
  })

  it('refuses ADMIN_EMAILS with EMAIL_VERIFICATION=off with a 500 and a logged reason', async () => {
    const logged = captureConsole()
    const vars = { ADMIN_EMAILS: 'ops@example.com', EMAIL_VERIFICATION: 'off', PASSWORD_RESET: 'off' }
    const res = await workerWith(vars)(new Request(`${ORIGIN}/health`))
    expect(res.status).toBe(500)
    expect(logged.texts('error').join('\n')).toMatch(/ADMIN_EMAILS cannot be set with EMAIL_VERIFICATION=off/)
    // With verification on, the same list starts.
    const on = await workerWith({ ADMIN_EMAILS: 'ops@example.com' })(new Request(`${ORIGIN}/health`))
    expect(on.status).toBe(200)
  })

  it('refuses an unknown STORE with a 500 and a logged reason', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const res = await workerWith({ STORE: 'redis' })(new Request(`${ORIGIN}/health`))
      expect(res.status).toBe(500)
      expect(String(errors.mock.calls[0]?.[0])).toMatch(/STORE/)
    } finally {
      errors.mockRestore()
    }
  })
})

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext

import { Hono } from 'hono'
import { describe, expect, it, vi } from 'vitest'
import { createMemoryStores } from '../../src/adapters/stores/memory/index.js'
import { type AuthEnv, createAuth, type Mailer, type RenderedMail, renderMail, SettingsError } from '../../src/index.js'
import { captureConsole } from '../support/captured-console.js'

const SECRET = 'an-embedding-test-secret-of-at-least-32-bytes'
const PASSWORD = 'correct horse battery staple'
const post = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})
/** What @hono/node-server hands an app as its env: the request's socket. */
const fromSocket = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } })

function hostApp(options: Partial<Parameters<typeof createAuth>[0]> = {}) {
  // A log of its own keeps the security events out of the test output.
  const auth = createAuth({
    stores: createMemoryStores(),
    secret: SECRET,
    production: false,
    log: { event() {} },
    ...options,
  })
  const app = new Hono<AuthEnv>()
  app.use('*', async (c, next) => {
    c.header('x-host', 'kept')
    await next()
  })
  app.route('/auth', auth.routes)
  app.get('/orders', auth.requireAuth, (c) => c.json({ for: c.get('auth').userId }))
  app.post('/orders', auth.requireAuth, (c) => c.json({ placed: true, for: c.get('auth').userId }))
  return app
}

async function signedIn(app: ReturnType<typeof hostApp>): Promise<string> {
  await app.request('/auth/register', post({ email: 'ada@example.com', password: PASSWORD }))
  const login = await app.request('/auth/login', post({ email: 'ada@example.com', password: PASSWORD }))
  return login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
}

const thrown = (f: () => unknown): Error => {
  try {
    f()
  } catch (err) {
    return err as Error
  }
  throw new Error('did not throw')
}

describe('createAuth({ stores, secret })', () => {
  it('is all an app needs: register, log in, a protected route of its own', async () => {
    const console = captureConsole()
    const app = hostApp()
    expect((await app.request('/auth/register', post({ email: 'ada@example.com', password: PASSWORD }))).status).toBe(
      201,
    )
    const login = await app.request('/auth/login', post({ email: 'ada@example.com', password: PASSWORD }))
    expect(login.status).toBe(200)
    const cookies = login.headers.getSetCookie()
    // The standalone defaults: a 600 s access token, SameSite=Lax, HttpOnly, not Secure outside production.
    expect(cookies.find((c) => c.startsWith('access_token='))).toMatch(/Max-Age=(599|600);.*HttpOnly.*SameSite=Lax/)
    const cookie = cookies.map((c) => c.split(';')[0]).join('; ')
    const orders = await app.request('/orders', { headers: { cookie } })
    expect(orders.status).toBe(200)
    expect((await app.request('/orders')).status).toBe(401)
    // app.request has no socket: one warning says every such client shares a per-IP counter.
    expect(console.texts('warn').filter((t) => t.includes('no client address'))).toHaveLength(1)
  })

  it('answers embedded routes with the standalone headers and keeps the host app’s own', async () => {
    captureConsole()
    const app = hostApp()
    for (const res of [await app.request('/auth/profile'), await app.request('/auth/session')]) {
      expect(res.status).toBe(401)
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'")
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-/)
      expect(res.headers.get('x-host')).toBe('kept')
    }
  })

  it('keeps the auth routes out of shared caches whatever Cache-Control the host app sets', async () => {
    captureConsole()
    const auth = createAuth({ stores: createMemoryStores(), secret: SECRET, production: false, log: { event() {} } })
    const app = new Hono<AuthEnv>()
    app.use('*', async (c, next) => {
      c.header('cache-control', 'public, max-age=600')
      await next()
    })
    app.route('/auth', auth.routes)
    app.get('/public', (c) => c.json({ ok: true }))
    for (const path of ['/auth/profile', '/auth/session', '/auth/nowhere']) {
      expect((await app.request(path)).headers.get('cache-control'), path).toBe('no-store')
    }
    // The host app's own routes keep its header.
    expect((await app.request('/public')).headers.get('cache-control')).toBe('public, max-age=600')
  })

  it('counts each client by its own socket address by default, never one shared bucket', async () => {
    const app = hostApp({ rateLimitPerMinute: 2 })
    const attempt = (ip: string) =>
      app.fetch(
        new Request('http://localhost/auth/login', post({ email: 'nobody@example.com', password: PASSWORD })),
        fromSocket(ip),
      )
    expect((await attempt('192.0.2.1')).status).toBe(401)
    expect((await attempt('192.0.2.1')).status).toBe(401)
    expect((await attempt('192.0.2.1')).status).toBe(429)
    // Another client is not limited by the first one's requests.
    expect((await attempt('198.51.100.7')).status).toBe(401)
  })

  it('guards the host app’s own state-changing routes against cross-site requests, as its own', async () => {
    captureConsole()
    const app = hostApp({
      production: true,
      cookieSecure: true,
      cookieSameSite: 'none',
      corsOrigins: ['https://app.example.net'],
    })
    const cookie = await signedIn(app)
    const order = (headers: Record<string, string>) =>
      app.request('https://auth.example.com/orders', {
        method: 'POST',
        headers: { cookie, 'content-type': 'text/plain', ...headers },
      })
    const forged = await order({ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })
    expect(forged.status).toBe(403)
    expect(await forged.json()).toMatchObject({ code: 'forbidden_origin' })
    // A listed browser app, and a client that is no browser, pass.
    expect((await order({ origin: 'https://app.example.net', 'sec-fetch-site': 'cross-site' })).status).toBe(200)
    expect((await order({})).status).toBe(200)
    // Reads are not state-changing: a cross-site GET is not refused by the guard.
    expect(
      (await app.request('https://auth.example.com/orders', { headers: { cookie, 'sec-fetch-site': 'cross-site' } }))
        .status,
    ).toBe(200)
  })

  it('refuses a bad option at creation, naming it and never echoing its value', () => {
    const short = 'too-short-secret'
    const err = thrown(() => createAuth({ stores: createMemoryStores(), secret: short }))
    expect(err).toBeInstanceOf(SettingsError)
    expect(err.message).toContain('secret (JWT_SECRET) must be at least 32 bytes')
    expect(err.message).not.toContain(short)

    const ttl = thrown(() => createAuth({ stores: createMemoryStores(), secret: SECRET, accessTokenTtl: 5 }))
    expect(ttl.message).toContain('accessTokenTtl (ACCESS_TOKEN_TTL) must be at least 30')

    const wrongType = thrown(() =>
      createAuth({ stores: createMemoryStores(), secret: SECRET, cookieSecure: 'yes' as unknown as boolean }),
    )
    expect(wrongType.message).toContain('cookieSecure must be a boolean')

    const unknown = thrown(() =>
      createAuth({ stores: createMemoryStores(), secret: SECRET, ...({ acessTokenTtl: 60 } as object) }),
    )
    expect(unknown.message).toContain('acessTokenTtl is not an option')
  })

  it('requires a secret in production, and makes an ephemeral one (with a warning) elsewhere', () => {
    const err = thrown(() => createAuth({ stores: createMemoryStores(), secret: undefined, production: true }))
    expect(err.message).toContain('secret (JWT_SECRET) is required when production is true')
  })
})

describe('createAuth({ previousSecrets })', () => {
  it('verifies tokens a previous secret signed, and names the option when one is bad', async () => {
    const previous = 'the-previous-embedding-secret-0123456789'
    const before = hostApp({ secret: previous })
    const cookie = await signedIn(before)
    const after = hostApp({ secret: SECRET, previousSecrets: [previous] })
    expect((await after.request('/orders', { headers: { cookie } })).status).toBe(200)
    expect((await hostApp().request('/orders', { headers: { cookie } })).status).toBe(401)
    const err = thrown(() => createAuth({ stores: createMemoryStores(), secret: SECRET, previousSecrets: ['short'] }))
    expect(err.message).toContain('previousSecrets (JWT_PREVIOUS_SECRETS) entry 1 must be at least 32 bytes')
  })
})

describe('createAuth({ mail })', () => {
  it('sends the lifecycle mails through the mailer it is given, rendered with renderMail', async () => {
    const rendered: RenderedMail[] = []
    const mailer: Mailer = {
      async send(message) {
        rendered.push(
          renderMail(message, { appUrl: 'https://shop.example.com/account', from: { address: 'a@shop.example.com' } }),
        )
      },
    }
    const app = hostApp({ mail: { mailer } })
    const res = await app.request('/auth/register', post({ email: 'ada@example.com', password: PASSWORD }))
    expect(res.status).toBe(201)
    await vi.waitFor(() => expect(rendered).toHaveLength(1))
    const [mail] = rendered
    expect(mail?.subject).toBe('Confirm your email address')
    const link = /https:\S+/.exec(mail?.text ?? '')?.[0] ?? ''
    expect(link.startsWith('https://shop.example.com/account/verify-email?token=')).toBe(true)
    const token = new URL(link).searchParams.get('token')
    const verified = await app.request('/auth/email/verify', post({ token }))
    expect(verified.status).toBe(200)
    expect(((await verified.json()) as { user: { emailVerified: boolean } }).user.emailVerified).toBe(true)
  })

  it('without mail, the routes that send it are 404', async () => {
    const app = hostApp()
    expect((await app.request('/auth/password/forgot', post({ email: 'ada@example.com' }))).status).toBe(404)
    expect((await app.request('/auth/email/verify', post({ token: 'x' }))).status).toBe(404)
  })
})

describe('createAuth({ sessionCheck })', () => {
  it('with strict, refuses a revoked session’s access token on the host app’s routes; off admits it', async () => {
    const token = async (sessionCheck: 'off' | 'strict') => {
      const stores = createMemoryStores()
      const app = hostApp({ stores, sessionCheck, sessionCheckMaxAge: 0 })
      const cookie = await signedIn(app)
      const access = cookie.split('; ').find((c) => c.startsWith('access_token=')) ?? ''
      expect((await app.request('/orders', { headers: { cookie: access } })).status).toBe(200)
      const user = await stores.users.findByEmail('ada@example.com' as never)
      if (!user) throw new Error('no user')
      await stores.sessions.revokeAllForUser(user.id, Date.now() as never)
      return (await app.request('/orders', { headers: { cookie: access } })).status
    }
    expect(await token('strict')).toBe(401)
    expect(await token('off')).toBe(200)
  })

  it('names a bad sessionCheck or sessionCheckMaxAge', () => {
    const mode = thrown(() =>
      createAuth({ stores: createMemoryStores(), secret: SECRET, sessionCheck: 'on' as unknown as 'strict' }),
    )
    expect(mode.message).toContain('sessionCheck (SESSION_CHECK) must be off or strict')
    const age = thrown(() => createAuth({ stores: createMemoryStores(), secret: SECRET, sessionCheckMaxAge: 301 }))
    expect(age.message).toContain('sessionCheckMaxAge (SESSION_CHECK_MAX_AGE) must be at most 300')
  })
})

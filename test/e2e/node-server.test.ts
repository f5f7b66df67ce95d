import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest'
import { PASSWORD } from '../support/constants.js'
import { failedStart, type NodeService, startNodeService } from '../support/node-process.js'
import { cookieHeaderOf, storeCookies } from '../support/set-cookie.js'

describe('the real Node server', () => {
  let service: NodeService

  beforeAll(async () => {
    service = await startNodeService({ JWT_SECRET: 'e2e-secret-0123456789abcdefghijklmnopqrstuvwxyz' })
  })
  afterAll(async () => {
    if (service.child.exitCode === null) await service.stop()
  })
  // The server's own output (its JSON log lines) stays captured; a failing test shows it.
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(`[the server's output]\n${service.output()}`))
  })

  it('walks register, login, profile, refresh and logout with real cookies', async () => {
    // What a browser would keep between requests, over real `fetch`.
    const jar = new Map<string, string>()
    const call = async (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers)
      if (jar.size > 0) headers.set('cookie', cookieHeaderOf(jar))
      const res = await fetch(`${service.url}${path}`, { ...init, headers })
      storeCookies(jar, res)
      return res
    }
    const credentials = JSON.stringify({ email: 'e2e@example.com', password: PASSWORD })
    const json = { 'content-type': 'application/json' }

    expect((await call('/register', { method: 'POST', headers: json, body: credentials })).status).toBe(201)
    const login = await call('/login', { method: 'POST', headers: json, body: credentials })
    expect(login.status).toBe(200)
    expect(login.headers.get('cache-control')).toBe('no-store')
    const firstRefresh = jar.get('refresh_token')
    expect(jar.get('access_token')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(firstRefresh).toBeDefined()

    const profile = await call('/profile')
    expect(profile.status).toBe(200)
    expect(((await profile.json()) as { user: { email: string } }).user.email).toBe('e2e@example.com')

    const refreshed = await call('/refresh', { method: 'POST' })
    expect(refreshed.status).toBe(200)
    expect(jar.get('refresh_token')).not.toBe(firstRefresh)

    expect((await call('/session')).status).toBe(200)
    expect((await call('/logout', { method: 'POST' })).status).toBe(204)
    expect(jar.get('access_token')).toBeUndefined()
    expect((await call('/profile')).status).toBe(401)
  })

  it('prints each mail as one JSON line in development without SMTP_URL, with a link that works', async () => {
    const json = { 'content-type': 'application/json' }
    const body = JSON.stringify({ email: 'dev-mail@example.com', password: PASSWORD })
    expect((await fetch(`${service.url}/register`, { method: 'POST', headers: json, body })).status).toBe(201)
    const line = await (async () => {
      for (let i = 0; i < 100; i++) {
        const found = service
          .output()
          .split('\n')
          .find((l) => l.includes('"type":"mail"') && l.includes('dev-mail@example.com'))
        if (found) return JSON.parse(found) as Record<string, unknown>
        await new Promise((r) => setTimeout(r, 20))
      }
      throw new Error('no mail line')
    })()
    expect(line).toMatchObject({ level: 'info', msg: 'mail', purpose: 'verify_email', to: 'dev-mail@example.com' })
    // Without APP_URL, development links point at the service itself.
    const link = new URL(String(line.link))
    expect(`${link.origin}${link.pathname}`).toBe(`http://localhost:${new URL(service.url).port}/verify-email`)
    const token = link.searchParams.get('token')
    const verified = await fetch(`${service.url}/email/verify`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ token }),
    })
    expect(verified.status).toBe(200)
  })

  it('puts the security headers and a request id on every answer, errors included', async () => {
    for (const res of [await fetch(`${service.url}/health`), await fetch(`${service.url}/profile`)]) {
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'")
      expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin')
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/)
    }
    const [a, b] = await Promise.all([fetch(`${service.url}/health`), fetch(`${service.url}/health`)])
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'))
  })

  it('serves the pages in development (UI on by default): log in through the form, see the account', async () => {
    const email = `pages-${crypto.randomUUID()}@example.com`
    const headers = { 'content-type': 'application/x-www-form-urlencoded', origin: service.url }
    const body = (fields: Record<string, string>) => new URLSearchParams(fields).toString()
    const reg = await fetch(`${service.url}/ui/register`, {
      method: 'POST',
      headers,
      body: body({ email, password: PASSWORD }),
      redirect: 'manual',
    })
    expect(reg.status).toBe(303)
    const login = await fetch(`${service.url}/ui/login`, {
      method: 'POST',
      headers,
      body: body({ email, password: PASSWORD }),
      redirect: 'manual',
    })
    expect(login.headers.get('location')).toBe('/account')
    const jar = new Map<string, string>()
    storeCookies(jar, login)
    const account = await fetch(`${service.url}/account`, { headers: { cookie: cookieHeaderOf(jar) } })
    expect(account.status).toBe(200)
    expect(account.headers.get('content-security-policy')).toMatch(/script-src 'self'/)
    expect(await account.text()).toContain(email)
  })

  it('answers /health and shuts down cleanly on SIGTERM', async () => {
    const health = await fetch(`${service.url}/health`)
    expect(await health.json()).toEqual({ status: 'ok', store: 'memory' })
    expect(await service.stop()).toBe(0)
    expect(service.output()).toContain('"signal":"SIGTERM"')
  })
})

describe('starting the Node server', () => {
  it('warns and uses an ephemeral secret in development when JWT_SECRET is unset', async () => {
    const dev = await startNodeService({})
    try {
      onTestFailed(() => console.error(`[the server's output]\n${dev.output()}`))
      expect(dev.output()).toMatch(/JWT_SECRET is not set/)
    } finally {
      await dev.stop()
    }
  })

  it('refuses to start in production without JWT_SECRET, naming it', async () => {
    const { code, output } = await failedStart({ NODE_ENV: 'production' })
    expect(code).toBe(1)
    expect(output).toMatch(/JWT_SECRET/)
  })

  it('refuses to start in production with a short secret, without echoing it', async () => {
    const { code, output } = await failedStart({ NODE_ENV: 'production', JWT_SECRET: 'short-but-secret-value' })
    expect(code).toBe(1)
    expect(output).toMatch(/JWT_SECRET/)
    expect(output).not.toContain('short-but-secret-value')
  })

  it('refuses a bad value with a message that names the variable', async () => {
    const { code, output } = await failedStart({ ACCESS_TOKEN_TTL: 'ten minutes' })
    expect(code).toBe(1)
    expect(output).toMatch(/ACCESS_TOKEN_TTL/)
  })
})

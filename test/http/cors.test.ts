import type { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { parseSettings, SettingsError } from '../../src/adapters/config/settings.js'
import type { AuthEnv } from '../../src/adapters/http/require-auth.js'
import type { PasswordHasher } from '../../src/application/ports.js'
import { buildService } from '../../src/service.js'
import { TestClient } from '../support/app-harness.js'
import { captureConsole } from '../support/captured-console.js'
import { parseSetCookies } from '../support/set-cookie.js'
import { makeStores } from '../support/store-under-test.js'
import { expectProblem, MIN, PASSWORD, post, setup, setupInstrumented, signedIn, useHasher } from './helpers.js'

/** The browser app's origin, listed in `corsOrigins`, and one that is not. */
const APP = 'https://app.example.com'
const OTHER = 'https://other.example.com'
/** What a browser sends from a page of another site. */
const fromApp = { origin: APP, 'sec-fetch-site': 'cross-site' }

/** The `Access-Control-*` headers of an answer, by lower-case name. */
const corsHeaders = (res: Response): Record<string, string> =>
  Object.fromEntries([...res.headers].filter(([name]) => name.startsWith('access-control-')))

/** Exactly the CORS headers of an actual (not preflight) answer to the listed origin, and `Vary: Origin`. */
function expectCorsAnswer(res: Response): void {
  expect(corsHeaders(res)).toEqual({
    'access-control-allow-origin': APP,
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'retry-after,x-request-id',
  })
  expect(
    res.headers
      .get('vary')
      ?.split(',')
      .map((v) => v.trim()),
  ).toContain('Origin')
}

/** No CORS header at all. */
const expectNoCors = (res: Response): void => expect(corsHeaders(res)).toEqual({})

/** A browser's preflight for `method` on `path` from `origin`, asking to send a JSON body. */
const preflight = async (app: Hono<AuthEnv>, path: string, origin: string, method = 'POST') =>
  app.request(path, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type' },
  })

const cors = () => setup({ config: { corsOrigins: [APP, 'http://localhost:5173'] } })

describe('CORS preflights', () => {
  it.each([
    '/register',
    '/login',
    '/refresh',
    '/logout',
    '/logout-all',
    '/session',
    '/profile',
    '/sessions',
    '/sessions/abcdefghijklmnopqrstuv',
    '/health',
  ])('answers a preflight for %s from a listed origin with 204 and exactly the CORS headers', async (path) => {
    const t = await cors()
    const res = await preflight(t.app, path, APP, path === '/sessions/abcdefghijklmnopqrstuv' ? 'DELETE' : 'POST')
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET,HEAD,POST,DELETE',
      'access-control-allow-headers': 'content-type',
      'access-control-expose-headers': 'retry-after,x-request-id',
      'access-control-max-age': '600',
    })
    expect(
      res.headers
        .get('vary')
        ?.split(',')
        .map((v) => v.trim()),
    ).toContain('Origin')
    for (const [name, value] of res.headers) expect(value, name).not.toContain('*')
    // Not the 405 a plain OPTIONS gets, and the service's own headers all the same.
    expect(res.headers.get('allow')).toBeNull()
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'")
    expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin')
    expect(res.headers.get('x-request-id')).toBeTruthy()
  })

  it('reflects each listed origin as itself', async () => {
    const t = await cors()
    const res = await preflight(t.app, '/login', 'http://localhost:5173')
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173')
  })

  it.each([
    OTHER,
    'null',
    'https://app.example.com/',
    'https://APP.example.com',
    'http://app.example.com',
    'https://app.example.com:8443',
    'https://app.example.com.evil.example',
    'https://evil.app.example.com',
  ])('gives an unlisted origin (%s) no CORS header: a known path is 405, an unknown one 404', async (origin) => {
    const t = await cors()
    const known = await preflight(t.app, '/login', origin)
    await expectProblem(known, 405, 'method_not_allowed')
    expect(known.headers.get('allow')).toBe('POST')
    expectNoCors(known)
    const unknown = await preflight(t.app, '/nowhere', origin)
    await expectProblem(unknown, 404, 'not_found')
    expectNoCors(unknown)
  })

  it('answers no preflight at all when no origin is listed', async () => {
    const t = await setup()
    const res = await preflight(t.app, '/login', APP)
    await expectProblem(res, 405, 'method_not_allowed')
    expectNoCors(res)
  })
})

describe('CORS on actual answers', () => {
  it('walks register, login, session, profile, refresh and logout from the listed origin with credentials', async () => {
    const t = await cors()
    const client = new TestClient(t.app)
    const steps: Array<[string, RequestInit & { json?: unknown }, number]> = [
      ['/register', post({ email: 'spa@example.com', password: PASSWORD }, fromApp), 201],
      ['/login', post({ email: 'spa@example.com', password: PASSWORD }, fromApp), 200],
      ['/session', { headers: fromApp }, 200],
      ['/profile', { headers: fromApp }, 200],
      ['/profile', post({ name: 'Spa' }, fromApp), 200],
      ['/sessions', { headers: fromApp }, 200],
      ['/refresh', { method: 'POST', headers: fromApp }, 200],
      ['/health', { headers: fromApp }, 200],
      ['/logout', { method: 'POST', headers: fromApp }, 204],
    ]
    for (const [path, init, status] of steps) {
      const res = await client.request(path, init)
      expect(res.status, `${init.method ?? 'GET'} ${path}: ${await res.clone().text()}`).toBe(status)
      expectCorsAnswer(res)
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(res.headers.get('x-request-id')).toBeTruthy()
    }
  })

  it('sends no CORS header and no Vary to a request without Origin, or from another origin', async () => {
    const t = await cors()
    const { client } = await signedIn(t, 'ada@example.com')
    for (const headers of [{}, { origin: OTHER }, { origin: 'null' }]) {
      const res = await client.request('/session', { headers })
      expect(res.status).toBe(200)
      expectNoCors(res)
      expect(res.headers.get('vary')).toBeNull()
    }
  })

  it('lets the listed origin through the cross-site check; another origin is 403 forbidden_origin', async () => {
    const t = await cors()
    const ok = await t.client.request('/register', post({ email: 'a@example.com', password: PASSWORD }, fromApp))
    expect(ok.status).toBe(201)
    for (const headers of [{ origin: OTHER, 'sec-fetch-site': 'cross-site' }, { origin: OTHER }]) {
      const refused = await t.client.request('/register', post({ email: 'b@example.com', password: PASSWORD }, headers))
      await expectProblem(refused, 403, 'forbidden_origin')
      expectNoCors(refused)
    }
    // A listed origin does not open the check to a request that merely claims cross-site.
    await expectProblem(
      await t.client.request(
        '/register',
        post({ email: 'c@example.com', password: PASSWORD }, { 'sec-fetch-site': 'cross-site' }),
      ),
      403,
      'forbidden_origin',
    )
    expect(t.events.filter((e) => e.name === 'csrf_rejected')).toHaveLength(3)
  })

  it('puts the CORS headers on problem answers to the listed origin: 401, 404, 405, 415', async () => {
    const t = await cors()
    const answers: Array<[Response | Promise<Response>, number, string]> = [
      [t.app.request('/session', { headers: fromApp }), 401, 'unauthorized'],
      [t.app.request('/profile', { headers: { ...fromApp, authorization: 'Basic x' } }), 401, 'unauthorized'],
      [t.app.request('/nowhere', { headers: fromApp }), 404, 'not_found'],
      [t.app.request('/login', { method: 'PUT', headers: fromApp }), 405, 'method_not_allowed'],
      [
        t.client.request('/login', { method: 'POST', headers: { ...fromApp, 'content-type': 'text/plain' } }),
        415,
        'unsupported_media_type',
      ],
    ]
    for (const [pending, status, code] of answers) {
      const res = await pending
      expectCorsAnswer(res)
      await expectProblem(res, status, code)
    }
  })

  it('puts them on a 503 from the store, with Retry-After readable by the app', async () => {
    const t = await setupInstrumented({ config: { corsOrigins: [APP] } })
    const { client } = await signedIn(t, 'ada@example.com')
    t.clock.advance(11 * MIN) // the access token has expired: the next request needs the store
    t.store.down = true
    for (const path of ['/health', '/profile']) {
      const res = await client.request(path, { headers: fromApp })
      expectCorsAnswer(res)
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
      await expectProblem(res, 503, 'store_unavailable')
    }
  })

  it('puts them on a 500', async () => {
    const t = await cors()
    await t.client.request('/register', post({ email: 'ada@example.com', password: PASSWORD }))
    const broken: PasswordHasher = { ...t.deps.hasher, reserve: () => Promise.reject(new Error('bug')) }
    useHasher(t, broken)
    captureConsole() // the unhandled error is logged; keep it out of the reporter
    const res = await t.client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }, fromApp))
    expectCorsAnswer(res)
    await expectProblem(res, 500, 'internal')
  })

  it('puts them on a transparent refresh, beside the rotated cookies', async () => {
    const t = await cors()
    const { client } = await signedIn(t, 'ada@example.com', { headers: fromApp })
    t.clock.advance(11 * MIN)
    for (const path of ['/session', '/profile']) {
      const res = await client.request(path, { headers: fromApp })
      expect(res.status).toBe(200)
      expect([...parseSetCookies(res).keys()].sort()).toEqual(['access_token', 'refresh_token'])
      expectCorsAnswer(res)
      t.clock.advance(11 * MIN)
    }
  })
})

describe('COOKIE_SAMESITE', () => {
  /** Both cookies of a login and of the logout that clears them, with their attributes. */
  async function setAndCleared(config: Parameters<typeof setup>[0]) {
    const t = await setup(config)
    const { client } = await signedIn(t, 'ada@example.com', { headers: fromApp })
    t.clock.advance(11 * MIN)
    const refreshed = await client.request('/profile', { headers: fromApp })
    expect(refreshed.status).toBe(200)
    const login = await client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }, fromApp))
    expect(login.status).toBe(200)
    const logout = await client.request('/logout', { method: 'POST', headers: fromApp })
    expect(logout.status).toBe(204)
    return [
      ...parseSetCookies(refreshed).values(),
      ...parseSetCookies(login).values(),
      ...parseSetCookies(logout).values(),
    ]
  }

  it('is Lax by default', async () => {
    const cookies = await setAndCleared({ config: { corsOrigins: [APP] } })
    expect(cookies).toHaveLength(6)
    for (const c of cookies) expect(c.attrs.get('samesite'), c.name).toBe('Lax')
  })

  it('is Strict on set and clear alike with cookieSameSite strict', async () => {
    const cookies = await setAndCleared({ config: { corsOrigins: [APP], cookieSameSite: 'strict' } })
    expect(cookies).toHaveLength(6)
    for (const c of cookies) expect(c.attrs.get('samesite'), c.name).toBe('Strict')
  })

  it('is None and Secure, with __Host- names, on set and clear alike with cookieSameSite none', async () => {
    const cookies = await setAndCleared({ config: { corsOrigins: [APP], cookieSameSite: 'none', cookieSecure: true } })
    expect(cookies).toHaveLength(6)
    for (const c of cookies) {
      expect(c.name).toMatch(/^__Host-(access|refresh)_token$/)
      expect(c.attrs.get('samesite'), c.name).toBe('None')
      expect(c.attrs.has('secure'), c.name).toBe(true)
      expect(c.attrs.has('httponly'), c.name).toBe(true)
      expect(c.attrs.get('path'), c.name).toBe('/')
    }
    expect(cookies.filter((c) => c.attrs.get('max-age') === '0')).toHaveLength(2)
  })

  it('refuses an app with cookieSameSite none and cookies that are not Secure', async () => {
    await expect(setup({ config: { cookieSameSite: 'none', cookieSecure: false } })).rejects.toThrow(/cookieSecure/)
  })
})

describe('CORS_ORIGINS and COOKIE_SAMESITE settings', () => {
  /** The SettingsError for `env`; fails when there is none. */
  function refused(env: Record<string, string>): SettingsError {
    try {
      parseSettings(env)
    } catch (e) {
      if (e instanceof SettingsError) return e
      throw e
    }
    throw new Error(`expected ${JSON.stringify(env)} to be refused`)
  }

  it('refuses COOKIE_SAMESITE=none without COOKIE_SECURE=true, naming both', () => {
    for (const env of [{ COOKIE_SAMESITE: 'none' }, { COOKIE_SAMESITE: 'none', COOKIE_SECURE: 'false' }]) {
      const error = refused(env)
      expect(error.message).toContain('COOKIE_SAMESITE')
      expect(error.message).toContain('COOKIE_SECURE')
    }
    expect(parseSettings({ COOKIE_SAMESITE: 'none', COOKIE_SECURE: 'true' }).cookieSameSite).toBe('none')
  })

  it('refuses a CORS_ORIGINS entry that is not an exact origin, without echoing it', () => {
    for (const bad of [
      '*',
      'null',
      'app.example.com',
      'https://app.example.com/',
      'https://user:hunter2@app.example.com',
    ]) {
      const error = refused({ CORS_ORIGINS: `${APP},${bad}` })
      expect(error.message, bad).toContain('CORS_ORIGINS')
      expect(error.message, bad).not.toContain(bad)
      expect(error.message).not.toContain('hunter2')
    }
  })

  it('flows from the settings through the service: CORS for the listed origin, the SameSite of the cookies', async () => {
    const settings = parseSettings({
      JWT_SECRET: 'cors-test-secret-0123456789abcdefghijklmnop',
      CORS_ORIGINS: `${APP}, http://localhost:5173`,
      COOKIE_SAMESITE: 'strict',
    })
    const app = await buildService({
      settings,
      stores: makeStores(),
      clientIp: () => '127.0.0.1',
      log: { event: () => {} },
    })
    const pre = await preflight(app, '/login', APP)
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe(APP)
    const logout = await app.request('/logout', { method: 'POST', headers: fromApp })
    expect(logout.status).toBe(204)
    expectCorsAnswer(logout)
    const cleared = [...parseSetCookies(logout).values()]
    expect(cleared).toHaveLength(2)
    for (const c of cleared) expect(c.attrs.get('samesite')).toBe('Strict')
  })
})

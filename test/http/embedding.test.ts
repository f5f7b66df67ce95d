import { describe, expect, it } from 'vitest'
import { TestClient } from '../support/app-harness.js'
import {
  expectProblem,
  hostApp,
  MIN,
  PASSWORD,
  post,
  SEC,
  setsCookies,
  setup,
  setupInstrumented,
  signedIn,
} from './helpers.js'

/** A host app of a Hono user: the auth routes under /auth, `requireAuth` on routes of its own. */
async function hostWithUser() {
  const t = await setupInstrumented()
  const { app, auth } = hostApp(t, async (c, next) => {
    c.header('x-host', 'kept')
    await next()
  })
  app.get('/orders', auth.requireAuth, (c) => c.json({ for: c.get('auth').userId }))
  // A handler that builds its own Response, bypassing the context's prepared headers.
  app.get('/raw', auth.requireAuth, () => new Response('raw', { status: 200 }))
  const client = new TestClient(app)
  expect((await client.request('/auth/register', post({ email: 'host@example.com', password: PASSWORD }))).status).toBe(
    201,
  )
  expect((await client.request('/auth/login', post({ email: 'host@example.com', password: PASSWORD }))).status).toBe(
    200,
  )
  return { ...t, app, client }
}

describe('createAuth mounted in a host app', () => {
  it('refuses cross-site state-changing requests before any work', async () => {
    const h = await hostWithUser()
    const before = h.store.calls.length
    const res = await h.client.request('/auth/logout-all', {
      method: 'POST',
      headers: { origin: 'https://evil.example.com', 'sec-fetch-site': 'cross-site' },
    })
    await expectProblem(res, 403, 'forbidden_origin')
    expect(h.store.calls.length).toBe(before)
  })

  it('answers a store outage in requireAuth with 503 + Retry-After and no cookie, not a 500', async () => {
    const h = await hostWithUser()
    h.clock.advance(11 * MIN) // the access token has expired: requireAuth needs the store
    h.store.down = true
    const res = await h.client.request('/orders')
    await expectProblem(res, 503, 'store_unavailable')
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(setsCookies(res)).toBe(false)
  })

  it('delivers the rotated cookies even when the handler returns a Response of its own', async () => {
    const h = await hostWithUser()
    h.clock.advance(11 * MIN)
    const res = await h.client.request('/raw')
    expect(res.status).toBe(200)
    expect(res.headers.getSetCookie().some((l) => l.startsWith('refresh_token='))).toBe(true)
    expect(res.headers.get('cache-control')).toBe('no-store')
    // Long after the grace window, the cookie the client now holds is the current one.
    h.clock.advance(11 * MIN + 20 * SEC)
    expect((await h.client.request('/orders')).status).toBe(200)
  })
})

describe('response headers', () => {
  it("keeps a host app's own headers on the auth routes' answers", async () => {
    const h = await hostWithUser()
    for (const path of ['/auth/session', '/auth/profile', '/auth/sessions']) {
      const res = await h.client.request(path)
      expect(res.status, path).toBe(200)
      expect(res.headers.get('x-host'), path).toBe('kept')
    }
  })

  it('puts the static headers and a fresh request id on every answer of the service app', async () => {
    const t = await setup()
    const { client } = await signedIn(t, 'headers@example.com')
    const ids = new Set<string>()
    for (const path of ['/session', '/profile', '/sessions', '/health', '/nope']) {
      const res = await client.request(path)
      expect(res.headers.get('cache-control'), path).toBe('no-store')
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff')
      expect(res.headers.get('content-security-policy'), path).toBe("default-src 'none'; frame-ancestors 'none'")
      expect(res.headers.get('cross-origin-resource-policy'), path).toBe('same-origin')
      ids.add(res.headers.get('x-request-id') ?? '')
    }
    expect(ids.size).toBe(5)
    expect(ids.has('')).toBe(false)
  })

  it('answers a transparently refreshed request with the new cookies and every static header', async () => {
    const t = await setup()
    const { client } = await signedIn(t, 'refreshed@example.com')
    t.clock.advance(11 * MIN) // the access token has expired: requireAuth refreshes on this request
    for (const path of ['/session', '/profile', '/sessions']) {
      const res = await client.request(path)
      expect(res.status, path).toBe(200)
      expect(
        res.headers.getSetCookie().some((l) => l.startsWith('refresh_token=')),
        path,
      ).toBe(true)
      expect(res.headers.get('content-type'), path).toBe('application/json')
      expect(res.headers.get('cache-control'), path).toBe('no-store')
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff')
      expect(res.headers.get('content-security-policy'), path).toBe("default-src 'none'; frame-ancestors 'none'")
      expect(res.headers.get('cross-origin-resource-policy'), path).toBe('same-origin')
      expect(res.headers.get('x-request-id'), path).toBeTruthy()
      t.clock.advance(11 * MIN + 20 * SEC)
    }
  })
})

describe('checks before work', () => {
  it('answers a wrong method with 405 and a wrong path with 404, however large the body', async () => {
    const h = await hostWithUser()
    const big = 'x'.repeat(20 * 1024)
    const put = await h.client.request('/auth/login', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: big,
    })
    expect(put.status).toBe(405)
    expect(put.headers.get('allow')).toBe('POST')
    const nope = await h.app.request('/auth/nope', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
    })
    expect(nope.status).toBe(404)
  })

  it('answers 415 on an authenticated POST before it refreshes anything', async () => {
    const h = await hostWithUser()
    h.clock.advance(11 * MIN)
    const before = h.store.calls.length
    const res = await h.client.request('/auth/profile', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ name: 'x' }),
    })
    await expectProblem(res, 415, 'unsupported_media_type')
    expect(setsCookies(res)).toBe(false)
    expect(h.store.calls.length).toBe(before)
    expect(h.events.some((e) => e.name === 'refresh')).toBe(false)
  })
})

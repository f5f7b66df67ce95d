import { describe, expect, it } from 'vitest'
import { createAuthRoutes } from '../../src/adapters/http/auth-routes.js'
import type { HttpConfig } from '../../src/adapters/http/config.js'
import { createCookieJar } from '../../src/adapters/http/cookies.js'
import { openApiDocument } from '../../src/adapters/http/openapi.js'
import { createRequireAuth } from '../../src/adapters/http/require-auth.js'
import { bodyOf, setup } from './helpers.js'

/**
 * GET /openapi.json and GET /docs, on every store and in workerd. The document's validity against
 * the OpenAPI 3.1 schema is checked in Node (test/unit/openapi-document.test.ts: the validator
 * compiles schemas to code, which workerd refuses).
 */

type Doc = {
  openapi: string
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Record<string, unknown>>; securitySchemes: Record<string, Scheme> }
  servers?: { url: string }[]
}
type Operation = {
  security?: Record<string, string[]>[]
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>
}
type Scheme = { type: string; in?: string; name?: string; scheme?: string }

const DOC_ROUTES = new Set(['/openapi.json', '/docs'])
/** The routes an app answers, as `METHOD /openapi/{path}`: no middleware, catch-all or 405 route. */
const registered = (routes: { method: string; path: string }[]) =>
  new Set(
    routes
      .filter((r) => !['ALL', 'HEAD', 'OPTIONS'].includes(r.method) && !r.path.includes('*') && !DOC_ROUTES.has(r.path))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
  )
const documented = (doc: Doc) =>
  new Set(
    Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)),
  )

async function fetchDocument(t: Awaited<ReturnType<typeof setup>>): Promise<Doc> {
  const res = await t.app.request('/openapi.json')
  expect(res.status).toBe(200)
  return (await bodyOf(res)) as unknown as Doc
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document of every route the app registers', async () => {
    const t = await setup()
    const doc = await fetchDocument(t)
    expect(doc.openapi).toMatch(/^3\.1\./)
    const routes = registered(t.app.routes)
    expect(routes.size).toBeGreaterThanOrEqual(11)
    expect([...routes].filter((r) => !documented(doc).has(r))).toEqual([])
    expect([...documented(doc)].filter((r) => !routes.has(r) && !DOC_ROUTES.has(r.split(' ')[1] ?? ''))).toEqual([])
  })

  it('answers with the security headers and the same document every time', async () => {
    const t = await setup()
    const first = await t.app.request('/openapi.json')
    expect(first.headers.get('content-type')).toMatch(/^application\/json/)
    expect(first.headers.get('x-content-type-options')).toBe('nosniff')
    expect(first.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'")
    expect(first.headers.get('cache-control')).toBe('no-store')
    expect(first.headers.get('x-request-id')).toBeTruthy()
    expect(await (await t.app.request('/openapi.json')).text()).toBe(await first.text())
    const head = await t.app.request('/openapi.json', { method: 'POST' })
    expect([head.status, head.headers.get('allow')]).toEqual([405, 'GET, HEAD'])
  })

  it('describes the request bodies with the schemas that validate them', async () => {
    const doc = await fetchDocument(await setup())
    const body = (path: string) => doc.paths[path]?.post?.requestBody?.content['application/json']?.schema
    expect(body('/register')).toMatchObject({
      type: 'object',
      required: ['email', 'password'],
      additionalProperties: false,
      properties: { email: { type: 'string', maxLength: 1024 }, password: { maxLength: 4096 }, name: {} },
    })
    expect(body('/login')).toMatchObject({ required: ['email', 'password'], additionalProperties: false })
    expect(body('/profile')).toMatchObject({ required: ['name'], additionalProperties: false })
    for (const path of ['/refresh', '/logout', '/logout-all'])
      expect(doc.paths[path]?.post?.requestBody).toBeUndefined()
  })

  it('gives every operation a success answer and its problems as application/problem+json', async () => {
    const doc = await fetchDocument(await setup())
    const login = doc.paths['/login']?.post
    expect(Object.keys(login?.responses ?? {})).toEqual(['200', '400', '401', '403', '413', '415', '429', '503'])
    expect(login?.responses['401']?.content?.['application/problem+json']?.schema).toEqual({
      allOf: [
        { $ref: '#/components/schemas/Problem' },
        { type: 'object', properties: { status: { const: 401 }, code: { enum: ['invalid_credentials'] } } },
      ],
    })
    expect(doc.components.schemas.Problem).toMatchObject({ required: ['type', 'title', 'status', 'code'] })
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const statuses = Object.keys(op.responses).map(Number)
        expect(statuses.filter((s) => s < 300).length, `${method} ${path}`).toBe(1)
        for (const s of statuses.filter((s) => s >= 400)) {
          expect(Object.keys(op.responses[String(s)]?.content ?? {}), `${method} ${path} ${s}`).toEqual([
            'application/problem+json',
          ])
        }
      }
    }
    // 403: a transparent refresh of a disabled account's session, or a strict check, is `account_disabled`.
    expect(Object.keys(doc.paths['/sessions']?.get?.responses ?? {})).toEqual(['200', '401', '403', '503'])
    expect(Object.keys(doc.paths['/sessions/{id}']?.delete?.responses ?? {})).toEqual([
      '204',
      '401',
      '403',
      '404',
      '413',
      '503',
    ])
  })

  it('names the two cookies and the bearer scheme, and which routes take them', async () => {
    for (const cookieSecure of [false, true]) {
      const doc = await fetchDocument(await setup({ config: { cookieSecure } }))
      const prefix = cookieSecure ? '__Host-' : ''
      expect(doc.components.securitySchemes).toEqual({
        accessCookie: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: `${prefix}access_token` }),
        refreshCookie: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: `${prefix}refresh_token` }),
        bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
      })
      const auth = [{ accessCookie: [] }, { bearer: [] }, { refreshCookie: [] }]
      expect(doc.paths['/session']?.get?.security).toEqual(auth)
      expect(doc.paths['/sessions/{id}']?.delete?.security).toEqual(auth)
      expect(doc.paths['/refresh']?.post?.security).toEqual([{ refreshCookie: [] }])
      expect(doc.paths['/logout']?.post?.security).toEqual([{}, ...auth])
      expect(doc.paths['/login']?.post?.security).toBeUndefined()
    }
  })

  it('is exported for host apps: their mounted routes, under their base path', async () => {
    const t = await setup()
    const config: HttpConfig = { cookieSecure: false, allowedOrigins: [], clientIp: () => '127.0.0.1' }
    const jar = createCookieJar(false)
    const routes = createAuthRoutes(t.deps, config, jar, createRequireAuth(t.deps, config, jar))
    const doc = (await openApiDocument(routes, { cookieSecure: false, basePath: '/auth' })) as unknown as Doc
    expect(doc.servers).toEqual([{ url: '/auth' }])
    expect([...documented(doc)].sort()).toEqual([...registered(routes.routes)].sort())
    expect(doc.paths['/health']).toBeUndefined()
  })
})

describe('GET /docs', () => {
  it('answers one HTML page with its own CSP: its inline style by hash, no script', async () => {
    const t = await setup()
    const res = await t.app.request('/docs')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp.split('; ')).toEqual([
      "default-src 'none'",
      expect.stringMatching(/^style-src 'sha256-[A-Za-z0-9+/]+=*'$/),
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ])
    expect(csp).not.toMatch(/unsafe|script-src|https?:/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    const html = await res.text()
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i)
    // The one style sheet is the one the hash allows.
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? '')
    expect(styles.length).toBe(1)
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(styles[0]))
    expect(csp).toContain(`'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`)
    expect(html).not.toMatch(/style=/)
  })

  it('links nowhere else: every href and src stays on the page or beside it', async () => {
    const html = await (await (await setup()).app.request('/docs')).text()
    const targets = [...html.matchAll(/\b(?:href|src|action)\s*=\s*["']?([^"'\s>]*)/gi)].map((m) => m[1] ?? '')
    expect(targets.length).toBeGreaterThan(10)
    expect(targets.filter((u) => /^[a-z][a-z0-9+.-]*:|^\/\//i.test(u))).toEqual([])
    expect(html).not.toMatch(/https?:\/\//)
  })

  it('lists every documented operation, its problems and the cookie names', async () => {
    const t = await setup({ config: { cookieSecure: true } })
    const doc = await fetchDocument(t)
    const html = await (await t.app.request('/docs')).text()
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item)) expect(html).toContain(`${method.toUpperCase()} ${path}`)
    }
    for (const text of ['__Host-access_token', '__Host-refresh_token', 'invalid_credentials', 'refresh_reused']) {
      expect(html).toContain(text)
    }
  })
})

import type { Context, MiddlewareHandler } from 'hono'

/**
 * The static headers every answer of this JSON API carries. `X-Frame-Options` and a referrer
 * policy add nothing to JSON: `frame-ancestors 'none'` covers framing, and no document is served.
 */
export function securityHeaderList(opts: { hsts: boolean }): ReadonlyArray<readonly [string, string]> {
  return [
    ['cache-control', 'no-store'],
    ['x-content-type-options', 'nosniff'],
    ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
    ['cross-origin-resource-policy', 'same-origin'],
    ...(opts.hsts ? [['strict-transport-security', 'max-age=31536000; includeSubDomains'] as const] : []),
  ]
}

/** What `securityHeaders` leaves on the context for `fastJson`. */
export type HeaderEnv = { Variables: { requestId: string; staticHeaders: Readonly<Record<string, string>> } }

/** Responses built whole by `fastJson`: the middleware leaves them alone. */
const complete = new WeakSet<Response>()

/**
 * A request id and the static headers on every answer. They are added after the handler, and
 * only to responses that lack them: a hot-path answer built by `fastJson` already carries them in
 * a plain object, which keeps the Node adapter on its fastest path (a `Headers` object per request
 * costs about a quarter of an authorised `GET /session`).
 */
export function securityHeaders(opts: { hsts: boolean }): MiddlewareHandler<HeaderEnv> {
  const list = securityHeaderList(opts)
  const staticHeaders = Object.fromEntries(list)
  // Request ids need to be unique, not secret: a random prefix per instance and a counter.
  const prefix = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, '0')).join('')
  let sequence = 0
  return async (c, next) => {
    sequence += 1
    const id = `${prefix}-${sequence.toString(36)}`
    c.set('requestId', id)
    c.set('staticHeaders', staticHeaders)
    await next()
    if (complete.has(c.res)) return
    const headers = c.res.headers
    for (const [name, value] of list) if (!headers.has(name)) headers.set(name, value)
    headers.set('x-request-id', id)
  }
}

/**
 * A 200 JSON answer with every header in one plain object, for handlers that set no header of
 * their own on the context. Outside `securityHeaders` (the routes mounted in a host app) it is
 * plain `c.json`, so a host's own headers are kept.
 */
export function fastJson(c: Context, body: unknown): Response {
  const staticHeaders = c.get('staticHeaders') as HeaderEnv['Variables']['staticHeaders'] | undefined
  if (!staticHeaders) return c.json(body)
  const res = new Response(JSON.stringify(body), {
    headers: { ...staticHeaders, 'content-type': 'application/json', 'x-request-id': c.get('requestId') as string },
  })
  complete.add(res)
  return res
}

import type { MiddlewareHandler } from 'hono'
import { requestId } from 'hono/request-id'

/**
 * The static headers every answer of this JSON API carries. `X-Frame-Options` and a referrer
 * policy add nothing to JSON: `frame-ancestors 'none'` covers framing, and no document is served.
 */
export function securityHeaderList(opts: { hsts: boolean }): ReadonlyArray<readonly [string, string]> {
  return [
    ['Cache-Control', 'no-store'],
    ['X-Content-Type-Options', 'nosniff'],
    ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ...(opts.hsts ? [['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'] as const] : []),
  ]
}

/**
 * A request id and the static headers, set on the context before the handler runs (never after:
 * touching a finished response makes the Node adapter build a full `Response`). A runtime that
 * can set them more cheaply on its own response object does so instead (`src/node.ts`), and the
 * app is built with `HttpConfig.runtimeSetsHeaders`.
 */
export function securityHeaders(opts: { hsts: boolean }): MiddlewareHandler[] {
  const headers = securityHeaderList(opts)
  return [
    requestId(),
    async (c, next) => {
      for (const [name, value] of headers) c.header(name, value)
      await next()
    },
  ]
}

import type { MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'
import { keepContextHeaders } from './security-headers.js'

/** The methods the routes answer; a preflight for any other would only lead to a 405. */
export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'DELETE'] as const
/** A preflight's answer is kept this long (seconds); browsers cap it lower (Chromium: 2 hours). */
export const CORS_MAX_AGE = 600

/**
 * CORS for browser apps on the listed origins, with credentials, through Hono's `cors()`. That
 * middleware stamps `Access-Control-Allow-Credentials` on every answer once credentials are on,
 * so it runs for listed origins alone: any other origin, and a request without one, gets no CORS
 * header and pays one header lookup. Any `OPTIONS` from a listed origin is answered as a preflight
 * (204) before routing, so it never meets a 405 or 404; the security headers, added outside it,
 * still reach it. Answers carry `Vary: Origin`; `Retry-After` and `X-Request-Id` are readable by
 * the app. `undefined` when no origin is listed: then nothing is mounted.
 */
export function corsFor(origins: readonly string[] | undefined): MiddlewareHandler | undefined {
  if (!origins?.length) return undefined
  const listed = new Set(origins)
  const answer = cors({
    // Only listed origins reach it; the list stays so that it can never reflect another.
    origin: [...listed],
    credentials: true,
    allowMethods: [...CORS_METHODS],
    allowHeaders: ['content-type'],
    exposeHeaders: ['retry-after', 'x-request-id'],
    maxAge: CORS_MAX_AGE,
  })
  return (c, next) => {
    const origin = c.req.header('origin')
    if (origin === undefined || !listed.has(origin)) return next()
    // Its headers are set on the context: `reply` must keep them rather than build an answer whole.
    keepContextHeaders(c)
    return answer(c, next)
  }
}

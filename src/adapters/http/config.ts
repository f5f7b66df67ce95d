import type { Context } from 'hono'

/** How the HTTP adapter runs; built by a composition root from configuration. */
export interface HttpConfig {
  /** `Secure` cookies with `__Host-` names. */
  readonly cookieSecure: boolean
  /** The service's own origin behind a proxy; else the request's scheme and host. */
  readonly publicOrigin?: string | undefined
  /** Extra origins allowed to make state-changing requests. */
  readonly allowedOrigins: readonly string[]
  /**
   * Origins of browser apps elsewhere: answered with CORS headers, credentials included, and let
   * through the cross-site check. None by default.
   */
  readonly corsOrigins?: readonly string[] | undefined
  /** The cookies' `SameSite`: `lax` by default; `none` needs `cookieSecure`. */
  readonly cookieSameSite?: 'lax' | 'strict' | 'none' | undefined
  /** The client IP, as the runtime knows it (a tiny function type per runtime). */
  readonly clientIp: (c: Context) => string
  /**
   * Behind a trusted proxy (`TRUST_PROXY`): a well-formed incoming `X-Request-Id` becomes the
   * request's id. Otherwise, and for a malformed one, the id is made here.
   */
  readonly trustProxy?: boolean | undefined
  /** The service's own pages (`UI=on`): src/adapters/http/pages/. Off unless set. */
  readonly ui?: boolean | undefined
}

/** The last `X-Forwarded-For` hop: the address the nearest trusted proxy saw. */
export const forwardedFor =
  (fallback: (c: Context) => string) =>
  (c: Context): string => {
    const header = c.req.header('x-forwarded-for')
    const last = header?.split(',').pop()?.trim()
    return last || fallback(c)
  }

/** The address Cloudflare's edge saw: set by the edge, so a client cannot forge it; only a Worker can trust it. */
export const cfConnectingIp = (c: Context): string => c.req.header('cf-connecting-ip') ?? 'unknown'

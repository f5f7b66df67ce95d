import type { Context } from 'hono'

/** How the HTTP adapter runs; built by a composition root from configuration. */
export interface HttpConfig {
  /** `Secure` cookies with `__Host-` names. */
  readonly cookieSecure: boolean
  /** The service's own origin behind a proxy; else the request's scheme and host. */
  readonly publicOrigin?: string | undefined
  /** Extra origins allowed to make state-changing requests. */
  readonly allowedOrigins: readonly string[]
  /** The client IP, as the runtime knows it (a tiny function type per runtime). */
  readonly clientIp: (c: Context) => string
}

/** The last `X-Forwarded-For` hop: the address the nearest trusted proxy saw. */
export const forwardedFor =
  (fallback: (c: Context) => string) =>
  (c: Context): string => {
    const header = c.req.header('x-forwarded-for')
    const last = header?.split(',').pop()?.trim()
    return last || fallback(c)
  }

import type { Context } from 'hono'
import { cfConnectingIp, forwardedFor } from './config.js'
import { nodeSocketIp } from './node-client-ip.js'

/** Whether this isolate is a Cloudflare Worker (workerd sets the user agent). */
const onWorkers = (): boolean =>
  (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === 'Cloudflare-Workers'

/**
 * The client IP as the runtime knows it, chosen once: `CF-Connecting-IP` on Workers, the socket's
 * address on Node (behind a trusted proxy, the last `X-Forwarded-For` hop). Each client gets its
 * own per-IP counters; `'unknown'` only for a request with no socket (`app.request` in a test).
 */
export function runtimeClientIp(opts: { readonly trustProxy: boolean }): (c: Context) => string {
  if (onWorkers()) return cfConnectingIp
  return opts.trustProxy ? forwardedFor(nodeSocketIp) : nodeSocketIp
}

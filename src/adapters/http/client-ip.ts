import type { Context } from 'hono'
import type { SecurityLog } from '../../application/ports.js'
import { logFor } from '../log.js'
import { onWorkers } from '../runtime.js'
import { cfConnectingIp, forwardedFor } from './config.js'
import { nodeSocketIp } from './node-client-ip.js'

/**
 * The client IP as the runtime knows it, chosen once: `CF-Connecting-IP` on Workers, the socket's
 * address on Node (behind a trusted proxy, the last `X-Forwarded-For` hop). Each client gets its
 * own per-IP counters; `'unknown'` only for a request with no socket (`app.request` in a test).
 */
export function runtimeClientIp(opts: {
  readonly trustProxy: boolean
  readonly log?: SecurityLog | undefined
}): (c: Context) => string {
  if (onWorkers()) return cfConnectingIp
  // Without a Node socket (another server adapter, or a handler that rebuilds the request), every
  // client would share one bucket: say so once, loudly, so `clientIp` gets passed.
  let warned = false
  const socket = (c: Context): string => {
    const ip = nodeSocketIp(c)
    if (ip === 'unknown' && !warned) {
      warned = true
      logFor(opts.log).line(
        'warn',
        'no client address on this request: every such client shares one per-IP counter; pass createAuth({ clientIp })',
      )
    }
    return ip
  }
  return opts.trustProxy ? forwardedFor(socket) : socket
}

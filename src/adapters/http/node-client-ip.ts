import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context } from 'hono'

/**
 * The client IP on Node: the socket's remote address. Each client gets its own per-IP counters;
 * `'unknown'` only when the socket has none (a closed connection), never as a default for all.
 */
export const nodeSocketIp = (c: Context): string => {
  try {
    return getConnInfo(c).remote.address ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

import type { OutageRules } from '../outage.js'

// Replies from a Redis that is up but cannot serve right now (cluster failover, loading a dump,
// a long script, out of memory, refused writes, wrong credentials). Script errors, WRONGTYPE and
// CROSSSLOT are bugs in this code and stay plain errors.
const TRANSIENT_REPLY =
  /^(CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN|READONLY|BUSY|OOM|NOREPLICAS|MISCONF|NOAUTH|WRONGPASS)\b/

// What ioredis says when it cannot reach a server or gives up on a command.
const CLIENT_MESSAGES = [
  'Connection is closed',
  "Stream isn't writeable",
  'Command timed out',
  'Command aborted due to connection close',
  "Cluster isn't ready",
  'Cluster is disconnected',
  'Cluster is disconnecting',
  'None of startup nodes is available',
  'Failed to refresh slots cache',
  'Too many Cluster redirections',
  'Node is disconnected',
  'connect ETIMEDOUT',
  'Reached the max retries per request limit',
]

const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CLOSED',
])

const CLIENT_ERROR_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError', 'AbortError'])

/** True when `err` means Redis is unreachable or briefly unable to serve, not that the code is wrong. */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && SOCKET_CODES.has(code)) return true
  if (CLIENT_ERROR_NAMES.has(err.name)) return true
  if (err.name === 'ReplyError') return TRANSIENT_REPLY.test(err.message)
  return CLIENT_MESSAGES.some((m) => err.message.startsWith(m))
}

/**
 * How every Redis store call is guarded (`guarded(op, REDIS_OUTAGES)`): a connection error is an
 * outage (503), anything else a bug. No timeout here: the client's `commandTimeout` bounds a call.
 */
export const REDIS_OUTAGES: OutageRules = { isOutage: isConnectionError }

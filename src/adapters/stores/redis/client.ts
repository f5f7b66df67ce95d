import { Cluster, Redis, type RedisOptions } from 'ioredis'

/** A Redis Cluster seed node, from `REDIS_CLUSTER_NODES`. */
export interface RedisClusterNode {
  readonly host: string
  readonly port: number
}

/** Where Redis is: one server (`redis://` or `rediss://` URL) or a Cluster's seed nodes. */
export type RedisTarget = { readonly url: string } | { readonly clusterNodes: readonly RedisClusterNode[] }

/** A command (PING included) that has no answer after this long fails: the request gets its 503 quickly. */
export const COMMAND_TIMEOUT_MS = 750
/** A connection attempt that has not completed after this long is dropped and retried. */
export const CONNECT_TIMEOUT_MS = 2000
const MAX_RECONNECT_DELAY_MS = 2000

/** Reconnects forever: 100 ms, doubling, capped at 2 s, so the service recovers by itself. */
export const reconnectDelay = (attempt: number): number =>
  Math.min(100 * 2 ** Math.min(Math.max(attempt, 1) - 1, 5), MAX_RECONNECT_DELAY_MS)

// Fail fast rather than queue: with ioredis' defaults a command waited 73 s on a dead server.
// Commands that timed out are not resent after a reconnect: their caller already got a 503.
const FAIL_FAST = {
  commandTimeout: COMMAND_TIMEOUT_MS,
  connectTimeout: CONNECT_TIMEOUT_MS,
  maxRetriesPerRequest: 1,
  autoResendUnfulfilledCommands: false,
} satisfies RedisOptions

/** Logs connection errors as JSON lines, at most one per `everyMs` (an outage would flood the log otherwise). */
export function throttledErrorLog(
  write: (line: string) => void = (line) => console.error(line),
  everyMs = 10_000,
): (err: Error) => void {
  let last = Number.NEGATIVE_INFINITY
  let suppressed = 0
  return (err) => {
    const now = Date.now()
    if (now - last < everyMs) {
      suppressed += 1
      return
    }
    // The message only: ioredis never puts credentials in it, and a stack is noise here.
    const time = new Date(now).toISOString()
    write(JSON.stringify({ time, level: 'warn', msg: 'redis error', error: err.message, suppressed }))
    last = now
    suppressed = 0
  }
}

/**
 * An ioredis client (v6) configured to fail fast and recover by itself, with an `error` listener
 * attached so a dead server never becomes an unhandled 'error' event.
 */
export function createRedisClient(
  target: RedisTarget,
  onError: (err: Error) => void = throttledErrorLog(),
): Redis | Cluster {
  let client: Redis | Cluster
  if ('url' in target) {
    client = new Redis(target.url, { ...FAIL_FAST, enableOfflineQueue: false, retryStrategy: reconnectDelay })
  } else {
    client = new Cluster(
      target.clusterNodes.map((n) => ({ host: n.host, port: n.port })),
      {
        enableOfflineQueue: false,
        clusterRetryStrategy: reconnectDelay,
        clusterNodeRetryStrategy: reconnectDelay,
        // A few short retries ride out a failover without stretching a request past about 2 s.
        maxRedirections: 6,
        retryDelayOnFailover: 100,
        retryDelayOnClusterDown: 100,
        retryDelayOnTryAgain: 100,
        slotsRefreshTimeout: 1000,
        redisOptions: FAIL_FAST,
      },
    )
  }
  client.on('error', onError)
  return client
}

/** Resolves true once the client is ready, false after `timeoutMs` (it keeps trying in the background). */
export function waitUntilReady(client: Redis | Cluster, timeoutMs = CONNECT_TIMEOUT_MS): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true)
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer)
      client.off('ready', onReady)
      resolve(ready)
    }
    const onReady = () => done(true)
    const timer = setTimeout(() => done(false), timeoutMs)
    client.on('ready', onReady)
  })
}

/** QUIT when connected, else just drop the connection (QUIT cannot be queued while it is down). */
export async function closeRedisClient(client: Redis | Cluster): Promise<void> {
  try {
    await client.quit()
  } catch {
    client.disconnect()
  }
}

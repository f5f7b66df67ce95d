import type { Stores } from '../../../application/ports.js'
import { guarded } from '../outage.js'
import { DEFAULT_PREFIX, keySpace } from './keys.js'
import { createRedisRateLimiter } from './rate-limiter.js'
import { DEFAULT_ROTATION_TIMING } from './rotation-deadline.js'
import { type RedisLike, scriptRunner } from './scripts.js'
import { createRedisSessionStore } from './session-store.js'
import { createRedisTokenStore } from './token-store.js'
import { REDIS_OUTAGES } from './unavailable.js'
import { createRedisUserRepository } from './user-repository.js'

export { ROTATION_DEADLINE_MS } from './rotation-deadline.js'
export type { RedisLike } from './scripts.js'
export { isConnectionError } from './unavailable.js'

/** How `createRedisStores` names its keys and bounds rotations in time. */
export interface RedisStoreOptions {
  /** Prepended to every key (default `auth:`); lets several services or tests share one Redis. No braces. */
  readonly prefix?: string
  /**
   * A rotation Redis runs later than this after it was sent does nothing (ms, default
   * `ROTATION_DEADLINE_MS`, 650): keep it below the client's command timeout.
   */
  readonly rotationDeadlineMs?: number
  /** The wall clock deadlines are measured on (default `Date.now`); not the `Clock` port. */
  readonly wallClock?: () => number
  /** Where a warning about a Redis clock ahead of this one goes (one JSON line; default `console.warn`). */
  readonly warn?: (line: string) => void
}

/**
 * Users, sessions, rate limits and account tokens in Redis (standalone or Cluster, 7.0 or newer),
 * for one or many Node instances sharing it. Every compound step is one Lua script on keys of one
 * hash tag, so Redis Cluster accepts it; rotation is one round trip. An address change crosses
 * slots and runs as such steps in a crash-safe order (account-moves.ts). Connection failures surface as
 * `UnavailableError('store_unavailable')`; the client's timeouts decide how fast (see
 * `createRedisClient`). The caller owns the client: it attaches the error listener and quits it.
 * Key scheme and consistency: docs/storage-schema.md.
 */
export function createRedisStores(client: RedisLike, options: RedisStoreOptions = {}): Stores {
  const keys = keySpace(options.prefix ?? DEFAULT_PREFIX)
  const run = scriptRunner(client)
  return {
    users: createRedisUserRepository(client, run, keys),
    sessions: createRedisSessionStore(client, run, keys, {
      deadlineMs: options.rotationDeadlineMs ?? DEFAULT_ROTATION_TIMING.deadlineMs,
      wallClock: options.wallClock ?? DEFAULT_ROTATION_TIMING.wallClock,
      warn: options.warn ?? DEFAULT_ROTATION_TIMING.warn,
    }),
    limiter: createRedisRateLimiter(client, run, keys),
    tokens: createRedisTokenStore(client, run, keys),
    health: {
      kind: 'redis',
      // PING under the client's command timeout; on a Cluster, every master must answer.
      ping: () =>
        guarded(async () => {
          const masters = client.nodes?.('master') ?? []
          await Promise.all(masters.length > 0 ? masters.map((n) => n.ping()) : [client.ping()])
        }, REDIS_OUTAGES),
    },
  }
}

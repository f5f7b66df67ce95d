import type { Redis } from 'ioredis'
import { closeRedisClient } from '../../../src/adapters/stores/redis/client.js'
import { createRedisStores } from '../../../src/adapters/stores/redis/index.js'
import type { Stores } from '../../../src/application/ports.js'
import type { StoreCapabilities } from '../../contract/stores.contract.js'
import { connectClient, dropPrefix, testPrefix } from '../fixture.js'

/**
 * The Redis stand-in for test/support/store-under-test.ts, swapped in by the `http-redis` project
 * of vitest.config.ts: the HTTP suite's default stores are the Redis ones, on the project's one
 * redis-server. Every `makeStores()` call takes a key prefix of its own, so each test starts empty.
 * test/redis/support/http-setup.ts connects the file's client before its tests and closes it after.
 */
export const storeKind: string = 'redis'

/** Every compound step is one Lua script: Redis is strongly consistent. */
export const storeCapabilities: StoreCapabilities = { strongConsistency: true }

let shared: { client: Redis; prefixes: string[]; external: boolean } | undefined

export function makeStores(): Stores {
  if (!shared) throw new Error('no Redis client: test/redis/support/http-setup.ts connects it before the tests')
  const prefix = testPrefix()
  shared.prefixes.push(prefix)
  return createRedisStores(shared.client, { prefix })
}

/** Connects the client this test file's stores share; `external` (REDIS_URL) keys are dropped on close. */
export async function connectShared(url: string, external: boolean): Promise<void> {
  const { client } = await connectClient({ url })
  shared = { client: client as Redis, prefixes: [], external }
}

export async function closeShared(): Promise<void> {
  if (!shared) return
  const { client, prefixes, external } = shared
  shared = undefined
  // A private server is stopped at the end of the run; a shared REDIS_URL one keeps nothing of ours.
  if (external) for (const prefix of prefixes) await dropPrefix(client, prefix)
  await closeRedisClient(client)
}

import type { Settings } from './adapters/config/settings.js'
import type { Log } from './adapters/log.js'
import { createMemoryStores } from './adapters/stores/memory/index.js'
import type { RedisTarget } from './adapters/stores/redis/client.js'
import type { Stores } from './application/ports.js'

/** The Redis the settings name (`REDIS_CLUSTER_NODES` or `REDIS_URL`), or none: the memory store. */
export const redisTargetOf = (settings: Settings): RedisTarget | undefined =>
  settings.redisClusterNodes
    ? { clusterNodes: settings.redisClusterNodes }
    : settings.redisUrl
      ? { url: settings.redisUrl }
      : undefined

/**
 * Stores from settings, for the Node service (src/node.ts) and the import command
 * (src/import-cli.ts): Redis when `REDIS_URL` or `REDIS_CLUSTER_NODES` is set, else in memory.
 * `ready` is false when Redis did not answer within the connect timeout; the client goes on
 * reconnecting by itself, and each command fails with `UnavailableError` until it answers.
 */
export async function storesFor(
  settings: Settings,
  log: Log,
): Promise<{ stores: Stores; ready: boolean; close: () => Promise<void> }> {
  const target = redisTargetOf(settings)
  if (!target) return { stores: createMemoryStores(), ready: true, close: async () => {} }
  // Loaded only for Redis: ioredis alone measured 150-300 ms and about 18 MiB of a start.
  const [{ closeRedisClient, createRedisClient, waitUntilReady }, { createRedisStores }] = await Promise.all([
    import('./adapters/stores/redis/client.js'),
    import('./adapters/stores/redis/index.js'),
  ])
  const client = createRedisClient(target)
  client.on('ready', () => log.line('info', 'redis ready'))
  const ready = await waitUntilReady(client)
  return { stores: createRedisStores(client), ready, close: () => closeRedisClient(client) }
}

import type { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { closeRedisClient, createRedisClient, waitUntilReady } from '../../src/adapters/stores/redis/client.js'
import { createRedisStores } from '../../src/adapters/stores/redis/index.js'
import type { Stores } from '../../src/application/ports.js'
import {
  HAS_REDIS_SERVER,
  type RedisCluster,
  type RedisServer,
  startRedisCluster,
  startRedisServer,
} from '../support/redis-server.js'

const issued = new Set<string>()

/** A key prefix no other test uses: a fresh keyspace per test, on a private server, a cluster or a shared REDIS_URL. */
export const testPrefix = (): string => {
  const prefix = `t${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}:`
  issued.add(prefix)
  return prefix
}

/** Collected errors from a client's 'error' listener: tests check that outages surface there, not as crashes. */
export interface TestClient {
  readonly client: Redis | Cluster
  readonly errors: Error[]
}

/** A client with the production options (fail fast, reconnect forever), ready to use. */
export async function connectClient(target: Parameters<typeof createRedisClient>[0]): Promise<TestClient> {
  const errors: Error[] = []
  const client = createRedisClient(target, (err) => errors.push(err))
  if (!(await waitUntilReady(client, 10_000))) throw new Error('Redis client did not become ready')
  return { client, errors }
}

/** Stores over `client` under a fresh prefix. */
export const freshStores = (client: Redis | Cluster): Stores => createRedisStores(client, { prefix: testPrefix() })

export interface SingleRedis {
  /** Absent when the suite runs against REDIS_URL: tests that stop the server need a private one. */
  readonly server: RedisServer | undefined
  readonly url: string
  readonly client: Redis
}

/** A single Redis for the file: a private redis-server when installed, else REDIS_URL; one client on it. */
export function useSingleRedis(): () => SingleRedis {
  let value: SingleRedis | undefined
  beforeAll(async () => {
    const server = HAS_REDIS_SERVER ? await startRedisServer() : undefined
    const url = server?.url ?? (process.env.REDIS_URL as string)
    const { client } = await connectClient({ url })
    value = { server, url, client: client as Redis }
  })
  afterAll(async () => {
    if (!value) return
    // A shared REDIS_URL server keeps nothing of this file; a private one is simply stopped.
    if (!value.server) for (const prefix of issued) await dropPrefix(value.client, prefix)
    await closeRedisClient(value.client)
    await value.server?.stop()
  })
  return () => {
    if (!value) throw new Error('Redis fixture not started')
    return value
  }
}

/** A private 3-master cluster for the file, with one cluster client on it. */
export function useRedisCluster(): () => { cluster: RedisCluster; client: Cluster } {
  let value: { cluster: RedisCluster; client: Cluster } | undefined
  beforeAll(async () => {
    const cluster = await startRedisCluster()
    try {
      const { client } = await connectClient({ clusterNodes: cluster.nodes })
      value = { cluster, client: client as Cluster }
    } catch (err) {
      await cluster.stop()
      throw err
    }
  })
  afterAll(async () => {
    if (value) await closeRedisClient(value.client)
    await value?.cluster.stop()
  })
  return () => {
    if (!value) throw new Error('Redis cluster fixture not started')
    return value
  }
}

/** Deletes every key under `prefix` on a single server (SCAN, then DEL in batches). */
export async function dropPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
    if (keys.length > 0) await client.del(...keys)
    cursor = next
  } while (cursor !== '0')
}

/**
 * Composition root for Node: reads process.env, builds the adapters, serves on PORT, and shuts
 * down gracefully on SIGTERM and SIGINT.
 */
import { type ServerType, serve } from '@hono/node-server'
import { parseSettings, type Settings, SettingsError } from './adapters/config/settings.js'
import { forwardedFor } from './adapters/http/config.js'
import { nodeSocketIp } from './adapters/http/node-client-ip.js'
import { createMemoryStores } from './adapters/stores/memory/index.js'
import {
  closeRedisClient,
  createRedisClient,
  type RedisTarget,
  waitUntilReady,
} from './adapters/stores/redis/client.js'
import { createRedisStores } from './adapters/stores/redis/index.js'
import type { Stores } from './application/ports.js'
import { buildService } from './service.js'

/**
 * Stores from settings: Redis when `REDIS_URL` or `REDIS_CLUSTER_NODES` is set, else in memory.
 * A Redis that is down at start does not stop the start: requests get 503 until it answers, and
 * the client reconnects by itself.
 */
async function storesFor(settings: Settings): Promise<{ stores: Stores; close: () => Promise<void> }> {
  const target: RedisTarget | undefined = settings.redisClusterNodes
    ? { clusterNodes: settings.redisClusterNodes }
    : settings.redisUrl
      ? { url: settings.redisUrl }
      : undefined
  if (!target) return { stores: createMemoryStores(), close: async () => {} }
  const client = createRedisClient(target)
  client.on('ready', () => console.log(JSON.stringify({ level: 'info', msg: 'redis ready' })))
  if (!(await waitUntilReady(client))) {
    console.warn(JSON.stringify({ level: 'warn', msg: 'redis not reachable yet; answering 503 until it is' }))
  }
  return { stores: createRedisStores(client), close: () => closeRedisClient(client) }
}

/** Builds and starts the server; resolves once it listens. */
export async function start(env: Readonly<Record<string, string | undefined>>) {
  const settings = parseSettings(env)
  const { stores, close } = await storesFor(settings)
  const app = await buildService({
    settings,
    stores,
    clientIp: settings.trustProxy ? forwardedFor(nodeSocketIp) : nodeSocketIp,
  })
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: settings.port, hostname: env.HOST ?? '0.0.0.0' }, () => resolve(s))
  })
  const stop = async (): Promise<void> => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await close()
  }
  return { server, settings, store: stores.health.kind, stop }
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href

if (isMain) {
  process.on('unhandledRejection', (reason) => {
    console.error(
      JSON.stringify({ level: 'error', msg: 'unhandled rejection', error: String((reason as Error)?.name) }),
    )
  })
  try {
    const { server, settings, store, stop } = await start(process.env)
    const address = server.address()
    const port = typeof address === 'object' && address ? address.port : settings.port
    console.log(JSON.stringify({ level: 'info', msg: 'listening', port, store }))
    let stopping = false
    const shutdown = (signal: string) => {
      if (stopping) return
      stopping = true
      console.log(JSON.stringify({ level: 'info', msg: 'shutting down', signal }))
      // Idle keep-alive sockets would hold close() open; a hard deadline bounds the wait.
      if ('closeIdleConnections' in server) server.closeIdleConnections()
      setTimeout(() => process.exit(1), 10_000).unref()
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    }
    process.on('SIGTERM', () => shutdown('SIGTERM'))
    process.on('SIGINT', () => shutdown('SIGINT'))
  } catch (err) {
    console.error(err instanceof SettingsError ? err.message : `failed to start: ${String((err as Error)?.message)}`)
    process.exit(1)
  }
}

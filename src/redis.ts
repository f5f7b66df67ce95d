/**
 * `hono-cookie-auth/redis`: stores on Redis or Redis Cluster (ioredis, an optional peer
 * dependency), and a client made with the fail-fast settings an outage needs (a command that
 * cannot be served fails in about a second, so the answer is a 503, never a hang).
 */
export {
  closeRedisClient,
  createRedisClient,
  type RedisClusterNode,
  type RedisTarget,
  waitUntilReady,
} from './adapters/stores/redis/client.js'
export { createRedisStores, type RedisLike, type RedisStoreOptions } from './adapters/stores/redis/index.js'

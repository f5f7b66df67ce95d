/**
 * `hono-cookie-auth/workers`: the Durable Object class and its stores, the KV stores, and the
 * standalone service as a Worker. Export `AuthStoreObject` from your Worker and bind it (see
 * wrangler.toml).
 */

export {
  type AuthStoreNamespace,
  createDurableObjectStores,
  type DurableObjectStoreOptions,
} from './adapters/stores/durable-object/index.js'
export { AuthStoreObject } from './adapters/stores/durable-object/object.js'
export { createKvStores, type KvLike, type KvStoreOptions } from './adapters/stores/kv/index.js'
export { createWorker, type WorkerEnv } from './worker.js'

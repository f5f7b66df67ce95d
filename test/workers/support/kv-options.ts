import { env } from 'cloudflare:workers'
import { createDurableObjectStores } from '../../../src/adapters/stores/durable-object/index.js'
import type { KvStoreOptions } from '../../../src/adapters/stores/kv/index.js'

/** What a KV store needs beside KV, as src/worker.ts gives it: the Durable Object store's counters and tokens. */
export function kvOptions(prefix: string): KvStoreOptions {
  const durable = createDurableObjectStores(env.AUTH_STORE, { prefix })
  return { rateLimits: durable, tokens: durable.tokens, prefix }
}

import { env } from 'cloudflare:workers'
import { createDurableObjectStores } from '../../../src/adapters/stores/durable-object/index.js'
import { createKvStores } from '../../../src/adapters/stores/kv/index.js'
import type { Stores } from '../../../src/application/ports.js'
import type { StoreCapabilities } from '../../contract/stores.contract.js'

/**
 * The workerd stand-in for test/support/store-under-test.ts (swapped in by
 * vitest.workers.config.ts): the HTTP suite's default stores are the Worker's own, on real
 * Durable Objects or KV as the project's `TEST_STORE` binding says. Every call makes a fresh
 * store (a random name prefix), as fresh memory stores are on Node: storage outlives a test here.
 */
export const storeKind: string = env.TEST_STORE === 'kv' ? 'kv' : 'durable-object'

/** KV is eventually consistent: tests that need a compare-and-set skip themselves on it. */
export const storeCapabilities: StoreCapabilities = { strongConsistency: storeKind !== 'kv' }

export function makeStores(): Stores {
  const prefix = `t-${crypto.randomUUID()}/`
  const durable = createDurableObjectStores(env.AUTH_STORE, { prefix })
  return storeKind === 'kv'
    ? createKvStores(env.AUTH_KV, { rateLimits: durable, tokens: durable.tokens, prefix })
    : durable
}

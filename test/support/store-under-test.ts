import { createMemoryStores } from '../../src/adapters/stores/memory/index.js'
import type { Stores } from '../../src/application/ports.js'
import type { StoreCapabilities } from '../contract/stores.contract.js'

/**
 * The stores the HTTP suite runs against when a test does not pass its own: fresh memory stores
 * on Node. vitest.workers.config.ts swaps this module for test/workers/support/store-under-test.ts,
 * so the same test files run inside workerd against the Worker's stores.
 */
export const storeKind: string = 'memory'

/** What the store under test can promise; a test that needs more says so with `it.runIf`. */
export const storeCapabilities: StoreCapabilities = { strongConsistency: true }

export function makeStores(): Stores {
  return createMemoryStores()
}

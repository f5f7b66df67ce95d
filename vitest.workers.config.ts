import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'
import { swapStoresUnderTest } from './test/support/swap-stores.js'

/**
 * The suites that run inside workerd (real Durable Objects and KV through Miniflare), next to the
 * Node suites of vitest.config.ts. `npm test` runs both.
 */

const storesUnderTest = swapStoresUnderTest(import.meta.dirname, 'test/workers/support/store-under-test.ts')

const workerd = (name: string, store: 'durable-object' | 'kv', include: string[]) => ({
  plugins: [
    storesUnderTest,
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        // Tests build the app themselves; the few that go through the Worker's fetch get these.
        bindings: {
          NODE_ENV: 'development',
          JWT_SECRET: 'workerd-test-secret-0123456789abcdefghijkl',
          TEST_STORE: store,
        },
      },
    }),
  ],
  test: { name, include, testTimeout: 20_000, hookTimeout: 30_000 },
})

/**
 * Two projects: everything on the Durable Object store (the Workers default), and the HTTP suite
 * again on KV. The HTTP files are the Node ones, unchanged; a test that needs a compare-and-set
 * reads `storeCapabilities` from test/support/store-under-test.ts and skips itself on KV.
 */
export default defineConfig({
  test: {
    projects: [
      workerd('workerd', 'durable-object', ['test/workers/**/*.test.ts', 'test/http/**/*.test.ts']),
      workerd('workerd-kv', 'kv', ['test/http/**/*.test.ts']),
    ],
  },
})

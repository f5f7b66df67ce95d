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
        // Miniflare's emulation of Cloudflare's send_email binding (test/workers/mail-send-email.test.ts).
        email: {
          send_email: [
            {
              name: 'TEST_SEND_EMAIL',
              allowed_sender_addresses: ['auth@example.com'],
              allowed_destination_addresses: ['allowed@example.org'],
            },
          ],
        },
      },
    }),
  ],
  // SMTP servers in Node for the mail tests inside workerd: their ports arrive by `inject('mail')`.
  test: { name, include, globalSetup: ['test/support/mail-global-setup.ts'], testTimeout: 20_000, hookTimeout: 30_000 },
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

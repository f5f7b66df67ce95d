import { configDefaults, defineConfig } from 'vitest/config'
import { swapStoresUnderTest } from './test/support/swap-stores.js'

/**
 * The Node suites, in two projects: `node` runs everything as it is (the HTTP suite on memory
 * stores), `http-redis` runs the HTTP suite again on the Redis stores over one private
 * redis-server. test/workers/ runs inside workerd: vitest.workers.config.ts.
 */

const redisStoresUnderTest = swapStoresUnderTest(import.meta.dirname, 'test/redis/support/store-under-test.ts')

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/workers/**'],
        },
      },
      {
        extends: true,
        plugins: [redisStoresUnderTest],
        test: {
          name: 'http-redis',
          include: ['test/http/**/*.test.ts'],
          globalSetup: ['test/redis/support/global-setup.ts'],
          setupFiles: ['test/redis/support/http-setup.ts'],
        },
      },
    ],
  },
})

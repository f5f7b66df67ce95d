import path from 'node:path'
import { configDefaults, defineConfig, type Plugin } from 'vitest/config'

/**
 * The Node suites, in two projects: `node` runs everything as it is (the HTTP suite on memory
 * stores), `http-redis` runs the HTTP suite again on the Redis stores over one private
 * redis-server. test/workers/ runs inside workerd: vitest.workers.config.ts.
 */

const root = import.meta.dirname
const NODE_STORES = path.join(root, 'test/support/store-under-test.ts')
const REDIS_STORES = path.join(root, 'test/redis/support/store-under-test.ts')

/** The HTTP suite's default stores become the Redis ones: test/support/store-under-test.ts is swapped. */
const redisStoresUnderTest: Plugin = {
  name: 'store-under-test-redis',
  enforce: 'pre',
  async resolveId(source, importer, options) {
    if (!source.includes('store-under-test')) return null
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true })
    return resolved?.id === NODE_STORES ? REDIS_STORES : null
  },
}

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

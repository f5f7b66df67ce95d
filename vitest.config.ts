import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/workers/ runs inside workerd: vitest.workers.config.ts.
    exclude: [...configDefaults.exclude, 'test/workers/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})

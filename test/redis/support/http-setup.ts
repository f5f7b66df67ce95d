import { afterAll, beforeAll, beforeEach, inject } from 'vitest'
import { HAS_REDIS_SERVER } from '../../support/redis-server.js'
import { closeShared, connectShared } from './store-under-test.js'

// setupFiles of the `http-redis` project: one client per test file on the project's Redis
// (test/redis/support/global-setup.ts), or every test skipped with the reason when there is none.
const url = inject('redisUrl')
if (url) {
  beforeAll(() => connectShared(url, !HAS_REDIS_SERVER))
  afterAll(() => closeShared())
} else {
  // Skipped on purpose: no redis-server, no REDIS_URL and REQUIRE_REDIS unset (global-setup.ts says so).
  beforeEach((ctx) => ctx.skip(inject('redisSkipReason')))
}

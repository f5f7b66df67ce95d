import type { TestProject } from 'vitest/node'
import { HAS_REDIS_SERVER, type RedisServer, startRedisServer } from '../../support/redis-server.js'

declare module 'vitest' {
  interface ProvidedContext {
    /** The Redis the `http-redis` project's stores use; empty when none can run (the tests skip). */
    readonly redisUrl: string
    /** Why there is no Redis, for the skip message. */
    readonly redisSkipReason: string
  }
}

/**
 * globalSetup of the `http-redis` project (vitest.config.ts): one private redis-server for the
 * whole run (each test keeps to a key prefix of its own), stopped at the end. Without redis-server
 * it takes REDIS_URL; without either it fails under REQUIRE_REDIS=1 and otherwise lets the suite skip.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: RedisServer | undefined
  if (HAS_REDIS_SERVER) server = await startRedisServer()
  const url = server?.url ?? process.env.REDIS_URL ?? ''
  const why =
    'The http-redis project cannot run: redis-server not found and REDIS_URL unset. Install redis-server ' +
    '(Debian: apt-get install redis-server) or set REDIS_URL=redis://host:port.'
  if (!url && process.env.REQUIRE_REDIS === '1') throw new Error(`${why} (REQUIRE_REDIS=1)`)
  if (!url) console.warn(`${why} Its tests are skipped; REQUIRE_REDIS=1 turns this into a failure.`)
  project.provide('redisUrl', url)
  project.provide('redisSkipReason', url ? '' : why)
  return async () => {
    await server?.stop()
  }
}

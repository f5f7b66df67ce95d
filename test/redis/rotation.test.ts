import type { Cluster, Redis } from 'ioredis'
import { expect, it } from 'vitest'
import { createRedisStores } from '../../src/adapters/stores/redis/index.js'
import { keySpace } from '../../src/adapters/stores/redis/keys.js'
import { SCRIPT_SOURCES } from '../../src/adapters/stores/redis/scripts.js'
import type { RotationPolicy } from '../../src/domain/session.js'
import { millis, seconds } from '../../src/domain/units.js'
import { makeTestApp, TestClient } from '../support/app-harness.js'
import { aSession, at, gen } from '../support/fixtures.js'
import { describeRedis, HAS_REDIS_SERVER, rawCommand } from '../support/redis-server.js'
import { parseSetCookies } from '../support/set-cookie.js'
import { testPrefix, useRedisCluster, useSingleRedis } from './fixture.js'

const POLICY: RotationPolicy = { graceMs: millis(10_000), slidingMs: millis(30 * 86_400_000) }

/**
 * Rotation on Redis: racers through the HTTP app, the script run twice, recovery after the
 * script cache is flushed. Run on one server and on a cluster.
 */
function rotationSuite(client: () => Redis | Cluster, flushScripts: () => Promise<void>): void {
  it('answers 50 parallel POST /refresh with one cookie with 200 each and one identical successor token', async () => {
    const { app } = await makeTestApp({ stores: createRedisStores(client(), { prefix: testPrefix() }) })
    const browser = new TestClient(app)
    await browser.signUp('racer@example.com')
    const token = browser.jar.get('refresh_token')
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        app.request('/refresh', { method: 'POST', headers: { cookie: `refresh_token=${token}` } }),
      ),
    )
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200))
    const successors = new Set(responses.map((r) => parseSetCookies(r).get('refresh_token')?.value))
    expect(successors.size).toBe(1)
    const [successor] = successors
    expect(successor).toBeDefined()
    expect(successor).not.toBe(token)
    expect(successor?.split('.')[1]).toBe('1')
  })

  it('gives grace when the very same rotation script runs twice (a resent EVALSHA)', async () => {
    const prefix = testPrefix()
    const stores = createRedisStores(client(), { prefix })
    const now = at(Date.now())
    const s = aSession(now)
    await stores.sessions.create(s)
    const key = keySpace(prefix).session(s.id)
    const args = [key, 0, now, POLICY.graceMs, POLICY.slidingMs, 3_600_000]
    const first = (await client().eval(SCRIPT_SOURCES.rotate, 1, ...args)) as [string, string[]]
    const second = (await client().eval(SCRIPT_SOURCES.rotate, 1, ...args)) as [string, string[]]
    expect(first[0]).toBe('rotated')
    expect(second[0]).toBe('grace')
    expect(second[1]).toEqual(first[1])
    expect(await stores.sessions.find(s.id, now)).toMatchObject({ generation: 1, rotatedAt: now })
  })

  it('recovers by itself after SCRIPT FLUSH (NOSCRIPT, then the script is sent again)', async () => {
    const stores = createRedisStores(client(), { prefix: testPrefix() })
    const now = at(Date.now())
    const s = aSession(now)
    await stores.sessions.create(s)
    expect((await stores.sessions.rotate(s.id, gen(0), now, POLICY)).kind).toBe('rotated')
    await flushScripts()
    expect((await stores.sessions.rotate(s.id, gen(1), at(now + 1000), POLICY)).kind).toBe('rotated')
    expect(await stores.limiter.hit(`k:${s.id}`, { limit: 1, window: seconds(60) }, now)).toEqual({ allowed: true })
    await flushScripts()
    const parallel = await Promise.all(
      Array.from({ length: 10 }, () => stores.sessions.rotate(s.id, gen(2), at(now + 2000), POLICY)),
    )
    expect(parallel.filter((o) => o.kind === 'rotated')).toHaveLength(1)
    expect(parallel.filter((o) => o.kind === 'grace')).toHaveLength(9)
  })
}

describeRedis('redis rotation (one server)', 'any', () => {
  const redis = useSingleRedis()
  rotationSuite(
    () => redis().client,
    async () => {
      await redis().client.script('FLUSH')
    },
  )

  // Statistics of a shared REDIS_URL server are not ours to reset.
  it.runIf(HAS_REDIS_SERVER)('really took the NOSCRIPT path after a flush', async () => {
    const { client } = redis()
    const stores = createRedisStores(client, { prefix: testPrefix() })
    await stores.limiter.hit('warm-up', { limit: 5, window: seconds(60) }, at(Date.now()))
    await client.script('FLUSH')
    await client.config('RESETSTAT')
    await stores.limiter.hit('after-flush', { limit: 5, window: seconds(60) }, at(Date.now()))
    const stats = await client.info('commandstats')
    expect(stats).toMatch(/cmdstat_evalsha:calls=1,.*failed_calls=1/)
    expect(stats).toMatch(/cmdstat_eval:calls=1,/)
  })
})

describeRedis('redis rotation (cluster)', 'private', () => {
  const redis = useRedisCluster()
  rotationSuite(
    () => redis().client,
    async () => {
      for (const s of redis().cluster.servers) expect(await rawCommand(s.port, ['SCRIPT', 'FLUSH'])).toBe('+OK')
    },
  )
})

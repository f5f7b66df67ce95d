import type { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { COMMAND_TIMEOUT_MS, closeRedisClient } from '../../src/adapters/stores/redis/client.js'
import { createRedisStores } from '../../src/adapters/stores/redis/index.js'
import { ROTATION_DEADLINE_MS } from '../../src/adapters/stores/redis/rotation-deadline.js'
import { UnavailableError } from '../../src/domain/errors.js'
import type { RotationPolicy } from '../../src/domain/session.js'
import { millis } from '../../src/domain/units.js'
import { aSession, at, gen } from '../support/fixtures.js'
import { describeRedis, type RedisServer, startRedisServer } from '../support/redis-server.js'
import { connectClient, testPrefix } from './fixture.js'

/** A short grace, so that a rotation counted against the client shows as reuse within the test. */
const POLICY: RotationPolicy = { graceMs: millis(500), slidingMs: millis(30 * 86_400_000) }
const SKEW_MS = 5000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * The rotation deadline on a real redis-server: a rotation Redis runs after the client gave up on
 * it (a stall longer than the command timeout) does nothing, so it never counts against the
 * client; and a Redis clock ahead of ours costs one retry, not a 503.
 */
describeRedis('redis rotation deadline', 'private', () => {
  let server: RedisServer
  let client: Redis
  beforeAll(async () => {
    server = await startRedisServer()
    client = (await connectClient({ url: server.url })).client as Redis
  })
  afterAll(async () => {
    if (client) await closeRedisClient(client)
    await server?.stop()
  })

  it('sets the deadline before the client gives up on the command', () => {
    expect(ROTATION_DEADLINE_MS).toBeLessThan(COMMAND_TIMEOUT_MS)
  })

  it('ignores a rotation Redis runs after a freeze: the same generation rotates afterwards, not reused', async () => {
    const stores = createRedisStores(client, { prefix: testPrefix() })
    // Load the script first: a frozen EVALSHA of an unknown script would answer NOSCRIPT and change nothing.
    const warm = aSession(Date.now())
    await stores.sessions.create(warm)
    expect((await stores.sessions.rotate(warm.id, gen(0), at(Date.now()), POLICY)).kind).toBe('rotated')

    const s = aSession(Date.now())
    await stores.sessions.create(s)
    const sentAt = at(Date.now())
    server.freeze()
    try {
      const err = await stores.sessions.rotate(s.id, gen(0), sentAt, POLICY).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(UnavailableError)
      expect(err).toMatchObject({ code: 'store_unavailable' })
      // Frozen well past the deadline (and past the grace), as in the 12 s stall of the report.
      await sleep(Math.max(0, sentAt + 2 * COMMAND_TIMEOUT_MS - Date.now()))
    } finally {
      server.thaw()
    }
    // Replies come in order on the connection: once PING answers, Redis has run the stalled rotation.
    expect(await client.ping()).toBe('PONG')

    const retriedAt = at(Date.now())
    expect(retriedAt - sentAt).toBeGreaterThan(POLICY.graceMs)
    const outcome = await stores.sessions.rotate(s.id, gen(0), retriedAt, POLICY)
    expect(outcome.kind).toBe('rotated')
    expect(outcome.kind === 'rotated' && outcome.session.generation).toBe(1)
    expect((await stores.sessions.find(s.id, retriedAt))?.generation).toBe(1)
  })

  // The adapter's wall clock set behind the real one: to the adapter, this Redis's clock is ahead.
  it('retries once with the measured skew when the Redis clock is ahead, and warns in one line', async () => {
    const lines: string[] = []
    const stores = createRedisStores(client, {
      prefix: testPrefix(),
      wallClock: () => Date.now() - SKEW_MS,
      warn: (line) => lines.push(line),
    })
    const s = aSession(Date.now())
    await stores.sessions.create(s)
    const outcome = await stores.sessions.rotate(s.id, gen(0), at(Date.now()), POLICY)
    expect(outcome.kind).toBe('rotated')
    expect(lines).toHaveLength(1)
    const warning = JSON.parse(lines[0] ?? '{}')
    expect(warning).toMatchObject({ level: 'warn', msg: 'redis clock ahead of this instance' })
    expect(warning.skewMs).toBeGreaterThan(SKEW_MS - ROTATION_DEADLINE_MS)
    // A second rotation under the same skew works too, without another line (one per minute).
    expect((await stores.sessions.rotate(s.id, gen(1), at(Date.now()), POLICY)).kind).toBe('rotated')
    expect(lines).toHaveLength(1)
  })

  it('answers store_unavailable for a late reply heard after the deadline, and changes nothing', async () => {
    // The first reading is when the rotation is sent; every later one comes 10 s after: a reply that
    // reached this instance long after its deadline (the caller has given up; nothing to retry).
    let readings = 0
    const stores = createRedisStores(client, {
      prefix: testPrefix(),
      wallClock: () => Date.now() + (readings++ === 0 ? -SKEW_MS : SKEW_MS),
      warn: () => {},
    })
    const s = aSession(Date.now())
    await stores.sessions.create(s)
    const err = await stores.sessions.rotate(s.id, gen(0), at(Date.now()), POLICY).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UnavailableError)
    expect(err).toMatchObject({ code: 'store_unavailable' })
    expect(await stores.sessions.find(s.id, at(Date.now()))).toEqual(s)
  })
})

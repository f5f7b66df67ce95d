import type { Hono } from 'hono'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { AuthEnv } from '../../src/adapters/http/require-auth.js'
import { closeRedisClient, createRedisClient, waitUntilReady } from '../../src/adapters/stores/redis/client.js'
import { createRedisStores } from '../../src/adapters/stores/redis/index.js'
import { keySpace } from '../../src/adapters/stores/redis/keys.js'
import type { Stores } from '../../src/application/ports.js'
import { UnavailableError } from '../../src/domain/errors.js'
import { makeTestApp, TestClient } from '../support/app-harness.js'
import { PASSWORD } from '../support/constants.js'
import { aSession, aToken, at, aUser } from '../support/fixtures.js'
import { freePort } from '../support/free-port.js'
import { describeRedis, type RedisServer, rawCommand, startRedisServer, waitFor } from '../support/redis-server.js'
import { connectClient, testPrefix, useRedisCluster } from './fixture.js'

/** Every kind of store-backed request a signed-in browser makes. */
const storeBacked = (email: string): Array<[string, RequestInit & { json?: unknown }]> => [
  ['/refresh', { method: 'POST' }],
  ['/login', { method: 'POST', json: { email, password: PASSWORD } }],
  ['/register', { method: 'POST', json: { email: `new-${email}`, password: PASSWORD } }],
  ['/logout', { method: 'POST' }],
  ['/logout-all', { method: 'POST' }],
  ['/profile', {}],
  ['/sessions', {}],
]

/**
 * The stores with the cause of every outage they report recorded (`UnavailableError.cause`, the
 * ioredis error), so a test can say why a request got its 503, not only how fast.
 */
function recordingCauses(stores: Stores): { stores: Stores; causes: string[] } {
  const causes: string[] = []
  const wrap = <T extends object>(port: T): T =>
    new Proxy(port, {
      get(obj, prop) {
        const value = Reflect.get(obj, prop)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) =>
          Promise.resolve(value.apply(obj, args)).catch((err: unknown) => {
            const cause = err instanceof UnavailableError ? err.cause : undefined
            causes.push(cause instanceof Error ? `${cause.name}: ${cause.message}` : `not an outage: ${String(err)}`)
            throw err
          })
      },
    })
  const { users, sessions, limiter, tokens, health } = stores
  return {
    stores: {
      users: wrap(users),
      sessions: wrap(sessions),
      limiter: wrap(limiter),
      tokens: wrap(tokens),
      health: wrap(health),
    },
    causes,
  }
}

/** Redis down: the fail-fast path (no offline queue to wait in; or the connection closed under the command). */
const FAIL_FAST = /Stream isn't writeable and enableOfflineQueue options is false|Connection is closed/
/** Redis up but silent: the client's command timeout (COMMAND_TIMEOUT_MS) gave up. */
const TIMED_OUT = /Command timed out/
/**
 * A generous wall-clock bound, far above COMMAND_TIMEOUT_MS (750 ms) so a loaded machine does not
 * flake, far below ioredis' default of waiting over a minute: the cause assertions say why it was fast.
 */
const PROMPTLY_MS = 10_000

/**
 * Asserts 503 store_unavailable with Retry-After, no cookie touched, caused by what `cause` names
 * (every outage the stores reported during the request), and answered promptly.
 */
async function expectUnavailable(
  browser: TestClient,
  path: string,
  init: RequestInit & { json?: unknown },
  recorded: { causes: string[] },
  cause: RegExp,
) {
  const before = new Map(browser.jar)
  const seen = recorded.causes.length
  const started = performance.now()
  const res = await browser.request(path, init)
  const elapsed = performance.now() - started
  const text = await res.text()
  expect(res.status, `${path}: ${text}`).toBe(503)
  expect(JSON.parse(text)).toMatchObject({ code: 'store_unavailable', status: 503 })
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
  expect(res.headers.getSetCookie(), path).toEqual([])
  expect(browser.jar).toEqual(before)
  const causes = recorded.causes.slice(seen)
  expect(causes.length, `${path}: no store call reported an outage`).toBeGreaterThan(0)
  for (const c of causes) expect(c, path).toMatch(cause)
  expect(elapsed, `${path} took ${elapsed} ms`).toBeLessThan(PROMPTLY_MS)
}

const health = async (app: Hono<AuthEnv>) => (await app.request('/health')).status

describeRedis('redis outage', 'private', () => {
  let server: RedisServer
  let client: Redis
  let errors: Error[]
  beforeAll(async () => {
    server = await startRedisServer()
    const conn = await connectClient({ url: server.url })
    client = conn.client as Redis
    errors = conn.errors
  })
  afterAll(async () => {
    if (client) await closeRedisClient(client)
    await server?.stop()
  })

  it('answers 503 while Redis is down, keeps admitting access tokens, and recovers when it is back', async () => {
    const recorded = recordingCauses(createRedisStores(client, { prefix: testPrefix() }))
    const { app } = await makeTestApp({ stores: recorded.stores })
    const browser = new TestClient(app)
    await browser.signUp('down@example.com')
    await client.save() // the restarted server loads this dump: the session outlives the outage
    await server.kill()

    for (const [path, init] of storeBacked('down@example.com')) {
      await expectUnavailable(browser, path, init, recorded, FAIL_FAST)
    }
    expect((await browser.request('/session')).status).toBe(200)
    const h = await app.request('/health')
    expect(h.status).toBe(503)
    expect(h.headers.get('retry-after')).not.toBeNull()
    // The failed reconnects reach the client's 'error' listener (not the process as an unhandled event).
    await waitFor(async () => errors.some((e) => /ECONNREFUSED/.test(e.message)), 'a reconnect attempt')

    await server.restart()
    await waitFor(async () => (await health(app)) === 200, 'recovery after restart')
    expect((await browser.request('/refresh', { method: 'POST' })).status).toBe(200)
    expect((await browser.request('/profile')).status).toBe(200)
  })

  it('answers 503 from the command timeout when Redis hangs without closing connections, then recovers', async () => {
    const recorded = recordingCauses(createRedisStores(client, { prefix: testPrefix() }))
    const { app } = await makeTestApp({ stores: recorded.stores })
    const browser = new TestClient(app)
    await browser.signUp('hang@example.com')
    server.freeze()
    try {
      await expectUnavailable(browser, '/refresh', { method: 'POST' }, recorded, TIMED_OUT)
      await expectUnavailable(browser, '/profile', {}, recorded, TIMED_OUT)
      expect((await browser.request('/session')).status).toBe(200)
      expect(await health(app)).toBe(503)
    } finally {
      server.thaw()
    }
    await waitFor(async () => (await health(app)) === 200, 'recovery after SIGCONT')
    expect((await browser.request('/refresh', { method: 'POST' })).status).toBe(200)
  })

  it('starts while Redis is unreachable, answers 503, and works once a server appears', async () => {
    const port = await freePort()
    const late = createRedisClient({ url: `redis://127.0.0.1:${port}` }, () => {})
    let lateServer: RedisServer | undefined
    try {
      expect(await waitUntilReady(late, 300)).toBe(false)
      const recorded = recordingCauses(createRedisStores(late, { prefix: testPrefix() }))
      const { app } = await makeTestApp({ stores: recorded.stores })
      const browser = new TestClient(app)
      const register = { method: 'POST', json: { email: 'late@example.com', password: PASSWORD } }
      await expectUnavailable(browser, '/register', register, recorded, FAIL_FAST)
      expect(await health(app)).toBe(503)
      lateServer = await startRedisServer([], port)
      await waitFor(async () => (await health(app)) === 200, 'first connection')
      await browser.signUp('late@example.com')
      expect((await browser.request('/refresh', { method: 'POST' })).status).toBe(200)
    } finally {
      await closeRedisClient(late)
      await lateServer?.stop()
    }
  })
})

describeRedis('redis outage: the account lifecycle', 'any', () => {
  it('turns an unreachable Redis into store_unavailable for every token and account-lifecycle call', async () => {
    const down = createRedisClient({ url: `redis://127.0.0.1:${await freePort()}` }, () => {})
    try {
      const { users, sessions, tokens } = createRedisStores(down, { prefix: testPrefix() })
      const user = aUser()
      const token = aToken(user.id, 'verify_email', Date.now())
      const calls: Array<() => Promise<unknown>> = [
        () => users.changeEmail(user.id, aUser().email),
        () => users.delete(user.id),
        () => users.update(user.id, { emailVerified: true, roles: ['admin'] }),
        () => sessions.revokeAllForUser(user.id, at(Date.now()), aSession(Date.now()).id),
        () => tokens.issue(token),
        () => tokens.consume(user.id, token.digest, ['verify_email'], at(Date.now())),
        () => tokens.revokeForUser(user.id),
        () => tokens.listForUser(user.id, at(Date.now())),
      ]
      for (const call of calls) {
        const err = await call().then(
          () => null,
          (e: unknown) => e,
        )
        expect(err).toBeInstanceOf(UnavailableError)
        expect((err as UnavailableError).code).toBe('store_unavailable')
        expect(String((err as UnavailableError).cause)).toMatch(FAIL_FAST)
      }
    } finally {
      await closeRedisClient(down)
    }
  })
})

/** A master of the cluster is gone: the client out of redirections or retries, or the fail-fast path. */
const CLUSTER_NODE_DOWN =
  /Too many Cluster redirections|MaxRetriesPerRequestError|Stream isn't writeable and enableOfflineQueue|Connection is closed/

describeRedis('redis cluster outage', 'private', () => {
  const redis = useRedisCluster()

  it('answers 503 for the slots of a dead master, /health 503, and recovers when it is back', async () => {
    const { client, cluster } = redis()
    const prefix = testPrefix()
    const recorded = recordingCauses(createRedisStores(client, { prefix }))
    const { app } = await makeTestApp({ stores: recorded.stores })
    const browser = new TestClient(app)
    await browser.signUp('cluster-down@example.com')
    const sessionId = browser.jar.get('refresh_token')?.split('.')[0] ?? ''
    const slot = (
      await rawCommand(cluster.nodes[0]?.port ?? 0, ['CLUSTER', 'KEYSLOT', keySpace(prefix).session(sessionId)])
    ).slice(1)
    const counts = await Promise.all(
      cluster.servers.map((s) => rawCommand(s.port, ['CLUSTER', 'COUNTKEYSINSLOT', slot])),
    )
    // Only the master that owns a slot counts keys in it; other tests' keys may share the slot.
    const owner = cluster.servers[counts.findIndex((c) => /^:[1-9]/.test(c))]
    if (!owner) throw new Error('no master holds the session')
    expect(await rawCommand(owner.port, ['SAVE'])).toBe('+OK')
    await owner.kill()

    await expectUnavailable(browser, '/refresh', { method: 'POST' }, recorded, CLUSTER_NODE_DOWN)
    expect((await browser.request('/session')).status).toBe(200)
    const seen = recorded.causes.length
    const started = performance.now()
    expect(await health(app)).toBe(503)
    expect(performance.now() - started).toBeLessThan(PROMPTLY_MS)
    expect(recorded.causes.slice(seen)).toEqual([expect.stringMatching(CLUSTER_NODE_DOWN)])

    await owner.restart()
    await waitFor(async () => (await health(app)) === 200, 'the master back')
    for (const s of cluster.servers) {
      await waitFor(async () => (await rawCommand(s.port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok'), 'ok')
    }
    expect((await browser.request('/refresh', { method: 'POST' })).status).toBe(200)
  })
})

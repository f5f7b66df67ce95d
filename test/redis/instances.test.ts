import { expect, it } from 'vitest'
import { closeRedisClient } from '../../src/adapters/stores/redis/client.js'
import { createRedisStores } from '../../src/adapters/stores/redis/index.js'
import { start } from '../../src/node.js'
import { makeTestApp, TestClient } from '../support/app-harness.js'
import { captureConsole } from '../support/captured-console.js'
import { PASSWORD } from '../support/constants.js'
import { freePort } from '../support/free-port.js'
import { describeRedis, HAS_REDIS_SERVER } from '../support/redis-server.js'
import { cookieHeaderOf, parseSetCookies } from '../support/set-cookie.js'
import { connectClient, testPrefix, useRedisCluster, useSingleRedis } from './fixture.js'

describeRedis('redis: several instances and restarts', 'any', () => {
  const redis = useSingleRedis()

  it('lets two app instances on one Redis share sessions: login on one, refresh and revoke on the other', async () => {
    const prefix = testPrefix()
    const other = await connectClient({ url: redis().url })
    try {
      const a = await makeTestApp({ stores: createRedisStores(redis().client, { prefix }) })
      const b = await makeTestApp({ stores: createRedisStores(other.client, { prefix }) })
      const onA = new TestClient(a.app)
      await onA.signUp('shared@example.com')
      const onB = new TestClient(b.app)
      for (const [k, v] of onA.jar) onB.jar.set(k, v)

      expect((await onB.request('/refresh', { method: 'POST' })).status).toBe(200)
      const listed = (await (await onB.request('/sessions')).json()) as { sessions: unknown[] }
      expect(listed.sessions).toHaveLength(1)
      // A's copy of the old token is now the previous generation: still within grace on A.
      expect((await onA.request('/refresh', { method: 'POST' })).status).toBe(200)
      expect((await onB.request('/logout-all', { method: 'POST' })).status).toBe(204)
      expect((await onA.request('/refresh', { method: 'POST' })).status).toBe(401)
    } finally {
      await closeRedisClient(other.client)
    }
  })

  it('keeps every session across a restart of the app (a new client, new deps, the same secret)', async () => {
    const prefix = testPrefix()
    const first = await connectClient({ url: redis().url })
    const before = await makeTestApp({ stores: createRedisStores(first.client, { prefix }) })
    const browser = new TestClient(before.app)
    await browser.signUp('restart@example.com')
    await closeRedisClient(first.client)

    const second = await connectClient({ url: redis().url })
    try {
      const after = await makeTestApp({ stores: createRedisStores(second.client, { prefix }) })
      const again = new TestClient(after.app)
      for (const [k, v] of browser.jar) again.jar.set(k, v)
      expect((await again.request('/profile')).status).toBe(200)
      expect((await again.request('/refresh', { method: 'POST' })).status).toBe(200)
      expect((await again.request('/sessions')).status).toBe(200)
    } finally {
      await closeRedisClient(second.client)
    }
  })

  // The service writes under the default prefix: only on a private server.
  it.runIf(HAS_REDIS_SERVER)(
    'wires REDIS_URL in src/node.ts: health names redis, and a restarted service keeps the session',
    async () => {
      const env = {
        REDIS_URL: redis().url,
        JWT_SECRET: 'a-stable-secret-for-this-test-0123456789abcdef',
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
      }
      const logged = captureConsole()
      let service = await start(env)
      const base = `http://127.0.0.1:${env.PORT}`
      try {
        expect(service.store).toBe('redis')
        expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok', store: 'redis' })
        const email = `node-${testPrefix().slice(0, 10)}@example.com`
        const json = { 'content-type': 'application/json' }
        const body = JSON.stringify({ email, password: PASSWORD })
        expect((await fetch(`${base}/register`, { method: 'POST', headers: json, body })).status).toBe(201)
        const login = await fetch(`${base}/login`, { method: 'POST', headers: json, body })
        expect(login.status).toBe(200)
        const cookie = cookieHeaderOf(new Map([...parseSetCookies(login)].map(([name, c]) => [name, c.value])))
        await service.stop()
        service = await start(env)
        const refreshed = await fetch(`${base}/refresh`, { method: 'POST', headers: { cookie } })
        expect(refreshed.status).toBe(200)
        // Both starts reached Redis; the second instance took the first one's session.
        const lines = logged.json()
        expect(lines.filter((l) => l.msg === 'redis ready')).toHaveLength(2)
        // The verification mail after registering goes out in the background: its event may come anywhere.
        const security = lines.filter((l) => l.type === 'security' && !String(l.event).startsWith('mail_'))
        expect(security.map((l) => l.event)).toEqual(['register', 'login_success', 'refresh'])
      } finally {
        await service.stop()
      }
    },
  )
})

describeRedis('redis cluster: node wiring', 'private', () => {
  const redis = useRedisCluster()

  it('wires REDIS_CLUSTER_NODES in src/node.ts', async () => {
    const nodes = redis()
      .cluster.nodes.map((n) => `${n.host}:${n.port}`)
      .join(',')
    const port = await freePort()
    const logged = captureConsole()
    const service = await start({ REDIS_CLUSTER_NODES: nodes, HOST: '127.0.0.1', PORT: String(port) })
    try {
      expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toEqual({ status: 'ok', store: 'redis' })
      expect(logged.json()).toContainEqual({ time: expect.any(String), level: 'info', msg: 'redis ready' })
      // No JWT_SECRET here: the service says, once, that its secret dies with it.
      expect(logged.texts('warn').filter((t) => t.includes('JWT_SECRET is not set'))).toHaveLength(1)
    } finally {
      await service.stop()
    }
  })
})

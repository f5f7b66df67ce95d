import { describe, expect, it } from 'vitest'
import { createRedisStores, isConnectionError } from '../../src/adapters/stores/redis/index.js'
import { keySpace } from '../../src/adapters/stores/redis/keys.js'
import { isUnavailable } from '../../src/domain/errors.js'
import type { SessionId } from '../../src/domain/session.js'
import { millis } from '../../src/domain/units.js'
import { makeTestApp, TestClient } from '../support/app-harness.js'
import { captureConsole } from '../support/captured-console.js'
import { aSession, at, gen } from '../support/fixtures.js'
import { describeRedis } from '../support/redis-server.js'
import { testPrefix, useSingleRedis } from './fixture.js'

const POLICY = { graceMs: millis(10_000), slidingMs: millis(86_400_000) }

/** The rejection of `p`, which must reject. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

describeRedis('redis errors: bugs stay bugs', 'any', () => {
  const redis = useSingleRedis()

  it('keeps a script error on corrupt data a plain error (500), never a 503', async () => {
    const prefix = testPrefix()
    const { client } = redis()
    const stores = createRedisStores(client, { prefix })
    const s = aSession(Date.now())
    await stores.sessions.create(s)
    await client.hset(keySpace(prefix).session(s.id), 'generation', 'not-a-number')
    const err = await rejection(stores.sessions.rotate(s.id, gen(0), at(Date.now()), POLICY))
    expect(isUnavailable(err)).toBe(false)
    expect(String((err as Error).message)).toMatch(/user_script|arithmetic|compare/)
    await expect(stores.sessions.find(s.id, at(Date.now()))).rejects.toThrow(/Corrupt session/)
  })

  it('keeps WRONGTYPE a plain error, and the HTTP answer a 500', async () => {
    const prefix = testPrefix()
    const { client } = redis()
    const { app } = await makeTestApp({ stores: createRedisStores(client, { prefix }) })
    const browser = new TestClient(app)
    await browser.signUp('wrongtype@example.com')
    const sessionId = browser.jar.get('refresh_token')?.split('.')[0] as SessionId
    await client.set(keySpace(prefix).session(sessionId), 'not a hash')
    const logged = captureConsole()
    const res = await browser.request('/refresh', { method: 'POST' })
    expect(res.status).toBe(500)
    expect(res.headers.getSetCookie()).toEqual([])
    // Logged as a bug, by the error's name only: not its message, which may hold data.
    expect(logged.json()).toEqual([
      {
        time: expect.any(String),
        level: 'error',
        msg: 'unhandled error',
        path: '/refresh',
        error: 'ReplyError',
        requestId: expect.any(String),
      },
    ])
  })
})

describe('redis errors: classification', () => {
  const named = (name: string, message: string, code?: string) =>
    Object.assign(new Error(message), { name, ...(code && { code }) })

  it.each([
    ['a refused connection', named('Error', 'connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED')],
    ['a closed connection', new Error('Connection is closed.')],
    ['a command timeout', new Error('Command timed out')],
    ['no offline queue', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ['max retries', named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 1).')],
    ['a cluster without slots', named('ClusterAllFailedError', 'Failed to refresh slots cache.')],
    ['a cluster that is down', named('ReplyError', 'CLUSTERDOWN The cluster is down')],
    ['a server loading its dump', named('ReplyError', 'LOADING Redis is loading the dataset in memory')],
    ['a busy server', named('ReplyError', 'BUSY Redis is busy running a script.')],
  ])('maps %s to store_unavailable', (_, err) => {
    expect(isConnectionError(err)).toBe(true)
  })

  it.each([
    ['a Lua error', named('ReplyError', 'ERR user_script:9: attempt to compare nil with number script: abc')],
    ['WRONGTYPE', named('ReplyError', 'WRONGTYPE Operation against a key holding the wrong kind of value')],
    ['CROSSSLOT', named('ReplyError', "CROSSSLOT Keys in request don't hash to the same slot")],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a non-error', 'Connection is closed.'],
  ])('keeps %s a plain error', (_, err) => {
    expect(isConnectionError(err)).toBe(false)
  })
})

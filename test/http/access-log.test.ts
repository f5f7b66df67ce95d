import { describe, expect, it } from 'vitest'
import { createScryptHasher } from '../../src/adapters/crypto/scrypt-hasher.js'
import { createApp } from '../../src/adapters/http/app.js'
import { createLog, type LogLevel } from '../../src/adapters/log.js'
import { buildDeps } from '../../src/service.js'
import { TEST_POLICY } from '../support/app-harness.js'
import { captureConsole } from '../support/captured-console.js'
import { TEST_SECRET } from '../support/constants.js'
import { makeStores } from '../support/store-under-test.js'
import { setup } from './helpers.js'

/** The whole app over a log at `level` whose lines are kept, parsed. */
async function appLoggingAt(level: LogLevel) {
  const lines: Record<string, unknown>[] = []
  const stores = makeStores()
  const deps = await buildDeps({
    stores,
    hasher: createScryptHasher({ params: { ln: 10, r: 8, p: 1 } }),
    secret: TEST_SECRET,
    policy: TEST_POLICY,
    log: createLog({ level, sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }),
  })
  const app = createApp(deps, stores.health, { cookieSecure: false, allowedOrigins: [], clientIp: () => '192.0.2.1' })
  return { app, access: () => lines.filter((l) => l.type === 'access') }
}

const REQUESTS = [
  ['GET', '/health', 200],
  ['GET', '/session', 401],
  ['GET', '/no-such-path', 404],
  ['DELETE', '/health', 405],
  ['POST', '/login', 415],
] as const

describe('the access log', () => {
  it('writes one line per request: method, path, status, duration and the answer’s id', async () => {
    const { app, access } = await appLoggingAt('info')
    for (const [method, path, status] of REQUESTS) {
      const res = await app.request(path, { method })
      expect(res.status, `${method} ${path}`).toBe(status)
      expect(access().at(-1)).toEqual({
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        level: 'info',
        type: 'access',
        method,
        path,
        status,
        durationMs: expect.any(Number),
        requestId: res.headers.get('x-request-id'),
      })
    }
    expect(access()).toHaveLength(REQUESTS.length)
    for (const line of access()) expect(line.durationMs).toBeGreaterThanOrEqual(0)
  })

  it.each(['warn', 'error'] as const)('is off with LOG_LEVEL=%s', async (level) => {
    const { app, access } = await appLoggingAt(level)
    for (const [method, path] of REQUESTS) await app.request(path, { method })
    expect(access()).toEqual([])
  })

  it('is not written for a bare SecurityLog (an embedder’s or a test’s)', async () => {
    const logged = captureConsole()
    const t = await setup()
    await t.app.request('/health')
    await t.app.request('/session')
    expect(logged.lines).toEqual([])
  })
})

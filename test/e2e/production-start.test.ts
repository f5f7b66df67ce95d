import { afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import {
  type BuiltProcess,
  childrenOf,
  eventually,
  isRunning,
  jsonLines,
  spawnBuilt,
  untilReady,
} from '../support/built-process.js'
import { ensureNodeBuild } from '../support/node-build.js'

/**
 * The production start: the built server (dist/node.js, what `npm start` runs) as a real
 * process. Its output is kept and shown only when a test fails.
 */

const SECRET = 'e2e-prod-Qm3vR8kT2wZ5yH9pL4nB7xC1dF6gJ0sA'
// Mail off: a production start with mail on needs a transport and APP_URL (its own test below).
const PROD = { NODE_ENV: 'production', JWT_SECRET: SECRET, EMAIL_VERIFICATION: 'off', PASSWORD_RESET: 'off' }
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

const running: BuiltProcess[] = []
const track = (p: BuiltProcess): BuiltProcess => {
  running.push(p)
  onTestFailed(() => console.error(`[the server's output]\n${p.output()}`))
  return p
}
afterEach(() => {
  // A failed test may leave a server behind, orphaned when a shell sat between npm and it.
  for (const p of running.splice(0)) p.killAll()
})

beforeAll(async () => {
  await ensureNodeBuild()
}, 180_000)

describe('npm start', () => {
  it('runs dist/node.js as npm’s own child, logs JSON lines with a time, and stops on SIGTERM with 0', async () => {
    const npm = track(await spawnBuilt('npm start', PROD))
    await untilReady(npm)
    // `exec` in the script: no shell between npm and the server, so npm's forwarded SIGTERM reaches it.
    const children = childrenOf(npm.child.pid as number)
    expect(children.map((c) => c.command)).toEqual([expect.stringMatching(/^(\S*\/)?node (\S*\/)?dist\/node\.js$/)])
    const server = (children[0] as { pid: number }).pid

    // Not behind a trusted proxy: the client's X-Request-Id is not taken.
    const res = await fetch(`${npm.url}/health`, { headers: { 'x-request-id': 'chosen-by-the-client' } })
    expect(res.status).toBe(200)
    const id = res.headers.get('x-request-id')
    expect(id).not.toBe('chosen-by-the-client')
    await eventually(() => npm.output().includes(`"requestId":"${id}"`))

    expect(await npm.stop('SIGTERM')).toBe(0)
    expect(isRunning(server)).toBe(false)
    const lines = jsonLines(npm.lines())
    for (const line of lines) {
      expect(line.time, JSON.stringify(line)).toMatch(ISO_TIME)
      expect(['debug', 'info', 'warn', 'error']).toContain(line.level)
    }
    expect(lines.map((l) => l.msg ?? l.type)).toEqual(['listening', 'access', 'access', 'shutting down', 'stopped'])
    expect(lines.filter((l) => l.type === 'access').at(-1)).toEqual({
      time: expect.stringMatching(ISO_TIME),
      level: 'info',
      type: 'access',
      method: 'GET',
      path: '/health',
      status: 200,
      durationMs: expect.any(Number),
      requestId: id,
    })
    expect(lines.find((l) => l.msg === 'shutting down')?.signal).toBe('SIGTERM')
  })
})

describe('node dist/node.js', () => {
  it('writes one access line per request, errors included, each with the id of its answer', async () => {
    const p = track(await spawnBuilt('node', PROD))
    await untilReady(p)
    const answers = await Promise.all(
      (
        [
          ['GET', '/session'],
          ['GET', '/no-such-path'],
          ['PUT', '/health'],
        ] as const
      ).map(([method, path]) => fetch(`${p.url}${path}`, { method })),
    )
    expect(answers.map((r) => r.status)).toEqual([401, 404, 405])
    const ids = answers.map((r) => r.headers.get('x-request-id'))
    await eventually(() => ids.every((id) => p.output().includes(`"requestId":"${id}"`)))
    const access = jsonLines(p.lines()).filter((l) => l.type === 'access' && ids.includes(l.requestId as string))
    expect(access.map((l) => [l.method, l.path, l.status]).sort()).toEqual([
      ['GET', '/no-such-path', 404],
      ['GET', '/session', 401],
      ['PUT', '/health', 405],
    ])
    expect(await p.stop('SIGINT')).toBe(0)
  })

  it('writes no access line, and no info line, with LOG_LEVEL=warn; warnings still', async () => {
    const p = track(await spawnBuilt('node', { ...PROD, LOG_LEVEL: 'warn' }))
    await untilReady(p)
    expect((await fetch(`${p.url}/health`)).status).toBe(200)
    expect((await fetch(`${p.url}/session`)).status).toBe(401)
    // A cross-site POST: the rejection is a warning, so it is written, with the answer's id.
    const refused = await fetch(`${p.url}/logout`, { method: 'POST', headers: { origin: 'https://evil.example' } })
    expect(refused.status).toBe(403)
    const id = refused.headers.get('x-request-id')
    await eventually(() => p.output().includes('csrf_rejected'))
    expect(await p.stop('SIGTERM')).toBe(0)
    const lines = jsonLines(p.lines())
    expect(lines.filter((l) => l.type === 'access')).toEqual([])
    expect(lines.filter((l) => l.level === 'info' || l.level === 'debug')).toEqual([])
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', type: 'security', event: 'csrf_rejected', requestId: id }),
    ])
  })

  it('refuses a port already in use with one line that names the port, and exit code 1', async () => {
    const first = track(await spawnBuilt('node', PROD))
    await untilReady(first)
    const second = track(await spawnBuilt('node', PROD, first.port))
    expect(await second.exited).toBe(1)
    const lines = second.lines()
    expect(lines).toHaveLength(1)
    expect(jsonLines(lines)[0]).toEqual({
      time: expect.stringMatching(ISO_TIME),
      level: 'error',
      msg: 'failed to start',
      cause: expect.stringContaining(`port ${first.port} is already in use`),
    })
    // The first one is unharmed.
    expect((await fetch(`${first.url}/health`)).status).toBe(200)
  })

  it('refuses a production start with mail on and no transport, naming what is missing', async () => {
    const env = { NODE_ENV: 'production', JWT_SECRET: SECRET, APP_URL: 'https://app.example.com' }
    const p = track(await spawnBuilt('node', env))
    expect(await p.exited).toBe(1)
    const [line] = jsonLines(p.lines())
    expect(line?.msg).toBe('failed to start')
    expect(String(line?.cause)).toContain('needs a mail transport (SMTP_URL or a send_email binding)')
    expect(String(line?.cause)).toContain('EMAIL_VERIFICATION=off and PASSWORD_RESET=off')
  })

  it('refuses a bad setting with one line that names the variable and never its value', async () => {
    const p = track(
      await spawnBuilt('node', { ...PROD, LOG_LEVEL: 'chatty', JWT_SECRET: 'changeme-0123456789abcdefghijklmnop' }),
    )
    expect(await p.exited).toBe(1)
    const lines = p.lines()
    expect(lines).toHaveLength(1)
    const [line] = jsonLines(lines)
    expect(line).toMatchObject({ level: 'error', msg: 'failed to start', time: expect.stringMatching(ISO_TIME) })
    expect(line?.cause).toMatch(/LOG_LEVEL/)
    expect(line?.cause).toMatch(/JWT_SECRET/)
    expect(p.output()).not.toContain('changeme-0123456789')
  })
})

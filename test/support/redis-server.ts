import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, it } from 'vitest'
import { freePort } from './free-port.js'

/**
 * Private `redis-server` processes for tests: each on a free port, without persistence, in a
 * temporary directory, stopped by PID. Also a 3-master Redis Cluster, and the rule for suites
 * when Redis is not installed (skip with a message, or fail under REQUIRE_REDIS=1).
 */

const has = (bin: string): boolean => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0
/** Whether this machine can start private servers and clusters. */
export const HAS_REDIS_SERVER = has('redis-server') && has('redis-cli')
const EXTERNAL_URL = process.env.REDIS_URL || undefined
const HOW =
  'Install redis-server (Debian: apt-get install redis-server) to run them, or set REDIS_URL=redis://host:port ' +
  'for the suites that can use an existing server; REQUIRE_REDIS=1 turns this skip into a failure.'

/**
 * `describe`, when Redis can run: `needs: 'private'` wants a local redis-server (it is stopped,
 * frozen or clustered); `'any'` also takes REDIS_URL. Otherwise the suite is skipped with a plain
 * message, or fails when REQUIRE_REDIS=1 (CI).
 */
export function describeRedis(name: string, needs: 'private' | 'any', body: () => void): void {
  if (HAS_REDIS_SERVER || (needs === 'any' && EXTERNAL_URL)) {
    describe(name, body)
    return
  }
  const why = `Redis suite "${name}" cannot run: redis-server/redis-cli not found${needs === 'any' ? ' and REDIS_URL unset' : ''}.`
  if (process.env.REQUIRE_REDIS === '1') {
    describe(name, () => {
      it('needs Redis (REQUIRE_REDIS=1)', () => {
        throw new Error(`${why} ${HOW}`)
      })
    })
    return
  }
  console.warn(`Redis suites were skipped. ${why} ${HOW}`)
  // Skipped on purpose: no redis-server here and REQUIRE_REDIS unset; the warning says how to run them.
  describe.skip(name, body)
}

/** Sends one command in RESP and answers its reply as text (simple, error, integer or bulk). */
export function rawCommand(port: number, args: string[], timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    let data = ''
    const finish = (err: Error | null, value = '') => {
      socket.destroy()
      if (err) reject(err)
      else resolve(value)
    }
    socket.setTimeout(timeoutMs, () => finish(new Error('timeout')))
    socket.on('error', (err) => finish(err))
    socket.on('connect', () =>
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`),
    )
    socket.on('data', (chunk) => {
      data += chunk.toString()
      const eol = data.indexOf('\r\n')
      if (eol < 0) return
      if (data[0] !== '$') return finish(null, data.slice(0, eol))
      const len = Number(data.slice(1, eol))
      if (len < 0) return finish(null, '')
      if (Buffer.byteLength(data) >= eol + 2 + len + 2) finish(null, data.slice(eol + 2, eol + 2 + len))
    })
  })
}

/** Polls until `check` holds; lifecycle only (a server starting, a cluster agreeing), never a test assertion. */
export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}

export interface RedisServer {
  readonly port: number
  readonly url: string
  readonly dir: string
  /** The current process id (a restart makes a new one). */
  pid(): number
  /** SIGKILL by PID: the crash an outage test needs. */
  kill(): Promise<void>
  /** Starts redis-server again on the same port and directory (a dump.rdb there is loaded). */
  restart(): Promise<void>
  /** SIGSTOP / SIGCONT by PID: a server that holds its connections open and answers nothing. */
  freeze(): void
  thaw(): void
  /** SIGTERM by PID, then removes the directory. */
  stop(): Promise<void>
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()))

/** Starts a private redis-server and waits until it answers PING. */
export async function startRedisServer(extraArgs: string[] = [], fixedPort?: number): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'redis-test-'))
  const port = fixedPort ?? (await freePort())
  let child: ChildProcess
  const launch = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]
    const proc = spawn('redis-server', [...args, ...extraArgs], { stdio: ['ignore', 'pipe', 'ignore'] })
    let log = ''
    proc.stdout?.on('data', (d) => {
      log = (log + d).slice(-4000)
    })
    proc.once('error', (err) => (log += String(err)))
    child = proc
    const up = async () =>
      proc.pid === undefined || proc.exitCode !== null || (await rawCommand(port, ['PING'])) === '+PONG'
    await waitFor(up, `redis-server on port ${port}`)
    if (proc.pid === undefined || proc.exitCode !== null) throw new Error(`redis-server on ${port} failed:\n${log}`)
  }
  await launch()
  const signal = (sig: NodeJS.Signals) => process.kill(child.pid as number, sig)
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    pid: () => child.pid as number,
    kill: async () => {
      signal('SIGKILL')
      await exited(child)
    },
    restart: launch,
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        signal('SIGCONT')
        signal('SIGTERM')
        await exited(child)
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
}

export interface RedisCluster {
  readonly nodes: ReadonlyArray<{ host: string; port: number }>
  readonly servers: readonly RedisServer[]
  stop(): Promise<void>
}

/** Starts `masters` cluster-enabled servers, joins them with `redis-cli --cluster create`, waits for `cluster_state:ok`. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const servers: RedisServer[] = []
  try {
    for (let i = 0; i < masters; i++) {
      const bus = String(await freePort())
      const args = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', bus]
      servers.push(await startRedisServer([...args, '--cluster-node-timeout', '2000']))
    }
    const addresses = servers.map((s) => `127.0.0.1:${s.port}`)
    await promisify(execFile)('redis-cli', [
      '--cluster',
      'create',
      ...addresses,
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ])
    for (const s of servers) {
      await waitFor(
        async () => (await rawCommand(s.port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok'),
        `cluster_state:ok on ${s.port}`,
      )
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()))
    throw err
  }
  return {
    nodes: servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
    servers,
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()))
    },
  }
}

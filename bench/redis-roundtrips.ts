/**
 * Redis round trips per operation, and refresh throughput on Redis against memory, from one run.
 * Self-contained: starts a private redis-server (from PATH) on a free port and stops it by PID.
 * `tsx bench/redis-roundtrips.ts` prints the result; the bench owner calls `measureRedisRoundTrips`.
 *
 * Round trips are counted twice: client side (every command ioredis writes) and server side from
 * `INFO commandstats`, where `cmdstat_evalsha` + `cmdstat_eval` calls are the script round trips.
 * Commands a script runs inside Redis are listed there too under their own names (hget, hset...),
 * so summing every `cmdstat_*` would overcount.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createScryptHasher } from '../src/adapters/crypto/scrypt-hasher.js'
import { createApp } from '../src/adapters/http/app.js'
import { silentLog } from '../src/adapters/log.js'
import { createMemoryStores } from '../src/adapters/stores/memory/index.js'
import { closeRedisClient, createRedisClient, waitUntilReady } from '../src/adapters/stores/redis/client.js'
import { createRedisStores } from '../src/adapters/stores/redis/index.js'
import type { AuthPolicy } from '../src/application/deps.js'
import type { Stores } from '../src/application/ports.js'
import type { SessionId } from '../src/domain/session.js'
import { generation, instant, millis, seconds } from '../src/domain/units.js'
import { buildDeps } from '../src/service.js'

export const SECRET = 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz'
export const PASSWORD = 'correct horse battery staple'
/** The benches' policy: the contract's lifetimes, per-IP limits out of the way, mail off. */
export const POLICY: AuthPolicy = {
  accessTokenTtl: seconds(600),
  refreshTokenTtl: seconds(30 * 86_400),
  refreshReuseGrace: seconds(10),
  sessionMaxLifetime: seconds(90 * 86_400),
  loginFailureLimit: 10,
  loginFailureWindow: seconds(900),
  rateLimitPerMinute: 1_000_000,
  maxSessionsPerUser: 100,
  sessionCheck: 'off',
  sessionCheckMaxAge: seconds(1),
  emailVerification: 'off',
  passwordReset: false,
  mailsPerAddressPerHour: 5,
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address()
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0))
    })
  })

export async function startRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const [port, dir] = await Promise.all([freePort(), mkdtemp(join(tmpdir(), 'redis-bench-'))])
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]
  const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject)).catch(async (err) => {
    await rm(dir, { recursive: true, force: true })
    throw err
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM')
      await exited
      await rm(dir, { recursive: true, force: true })
    },
  }
}

async function appOver(stores: Stores) {
  const hasher = createScryptHasher({ params: { ln: 10, r: 8, p: 1 } })
  const deps = await buildDeps({ stores, hasher, secret: SECRET, policy: POLICY, log: silentLog })
  return createApp(deps, stores.health, { cookieSecure: false, allowedOrigins: [], clientIp: () => '127.0.0.1' })
}

type App = Awaited<ReturnType<typeof appOver>>
const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
})
const refreshCookie = (res: Response): string =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith('refresh_token='))
    ?.split(';')[0] ?? ''

/** Registers `email` and logs in; the refresh cookie. */
async function signIn(app: App, email: string): Promise<string> {
  await app.request('/register', json({ email, password: PASSWORD }))
  const res = await app.request('/login', json({ email, password: PASSWORD }))
  if (res.status !== 200) throw new Error(`bench login: ${res.status}`)
  return refreshCookie(res)
}

/** Refreshes `count` times in a row, each with the token the previous one returned. */
async function refreshChain(app: App, cookie: string, count: number): Promise<string> {
  let current = cookie
  for (let i = 0; i < count; i++) {
    const res = await app.request('/refresh', { method: 'POST', headers: { cookie: current } })
    if (res.status !== 200) throw new Error(`bench refresh: ${res.status}`)
    current = refreshCookie(res)
  }
  return current
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

/**
 * Calls per operation (`roundTrips.*` client side, `scripts.*` from INFO commandstats; the
 * target is 1 per rotation) and refresh requests per second through `app.request` on Redis and
 * on memory, alternating rounds, medians.
 */
export async function measureRedisRoundTrips(
  opts: { operations?: number; rounds?: number; concurrency?: number; perChain?: number } = {},
): Promise<Record<string, number>> {
  const { operations = 50, rounds = 5, concurrency = 10, perChain = 30 } = opts
  const redis = await startRedis()
  const client = createRedisClient({ url: redis.url }, () => {})
  try {
    if (!(await waitUntilReady(client, 5000))) throw new Error('bench redis-server did not start')
    const stores = createRedisStores(client, { prefix: 'bench:' })
    const app = await appOver(stores)
    let sent = 0
    // Every command ioredis writes, NOSCRIPT retries included, passes through sendCommand.
    const counted = client as unknown as { sendCommand: (...args: unknown[]) => unknown }
    const send = counted.sendCommand.bind(client)
    counted.sendCommand = (...args) => {
      sent += 1
      return send(...args)
    }
    const result: Record<string, number> = {}
    const phase = async (name: string, run: () => Promise<unknown>) => {
      await client.config('RESETSTAT')
      const before = sent
      await run()
      const after = sent
      const stats = await client.info('commandstats')
      const calls = (cmd: string) => Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(stats)?.[1] ?? 0)
      result[`roundTrips.${name}`] = (after - before) / operations
      result[`scripts.${name}`] = (calls('evalsha') + calls('eval')) / operations
    }
    const cookie = await signIn(app, 'warm-up@example.com') // loads every script on the connection
    await refreshChain(app, cookie, 2)
    const emails = Array.from({ length: operations }, (_, i) => `bench-${i}@example.com`)
    await phase('register', async () => {
      for (const email of emails) await app.request('/register', json({ email, password: PASSWORD }))
    })
    const cookies: string[] = []
    await phase('login', async () => {
      for (const email of emails)
        cookies.push(refreshCookie(await app.request('/login', json({ email, password: PASSWORD }))))
    })
    await phase('refresh', async () => {
      for (const c of cookies) await refreshChain(app, c, 1)
    })
    const now = instant(Date.now())
    const policy = { graceMs: millis(10_000), slidingMs: millis(86_400_000) }
    const { sessions } = stores
    const session = await sessions.find((cookies[0]?.split('=')[1]?.split('.')[0] ?? '') as SessionId, now)
    if (!session) throw new Error('bench: no session to rotate')
    await phase('rotate', async () => {
      for (let i = 0; i < operations; i++)
        await sessions.rotate(session.id, generation(session.generation + i), now, policy)
    })

    const memoryApp = await appOver(createMemoryStores())
    const throughput = async (target: App, label: string): Promise<number> => {
      const starts = await Promise.all(
        Array.from({ length: concurrency }, (_, i) => signIn(target, `${label}-${i}@x.io`)),
      )
      const t0 = performance.now()
      await Promise.all(starts.map((c) => refreshChain(target, c, perChain)))
      return (concurrency * perChain) / ((performance.now() - t0) / 1000)
    }
    const rps: Record<'redis' | 'memory', number[]> = { redis: [], memory: [] }
    for (let r = 0; r < rounds; r++) {
      rps.redis.push(await throughput(app, `r${r}`))
      rps.memory.push(await throughput(memoryApp, `m${r}`))
    }
    result['refreshRps.redis'] = Math.round(median(rps.redis))
    result['refreshRps.memory'] = Math.round(median(rps.memory))
    result['refreshRps.redisToMemory'] = Number((median(rps.redis) / median(rps.memory)).toFixed(3))
    return result
  } finally {
    await closeRedisClient(client)
    await redis.stop()
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  console.log(JSON.stringify(await measureRedisRoundTrips(), null, 2))
}

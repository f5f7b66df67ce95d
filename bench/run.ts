/**
 * `npm run bench`: throughput of the AuthorizeRequest hot path against baselines measured in the
 * same run (alternating rounds, medians), printed as ratios, and the server's own CPU time per
 * request: the targets run in a child process that reports `process.cpuUsage()` over IPC before
 * and after each round, so the load generator is not counted. Absolute numbers on a shared
 * machine drift ±30 %; the ratios are what to compare. Then the Redis round trips, the Worker
 * bundle, and the Node start (bench/node-start.ts: `npm start` to the first `/health` 200, idle RSS,
 * SIGTERM), and `/password/forgot` for known and unknown addresses (bench/forgot-timing.ts).
 * `BENCH_ONLY=authorize`, `BENCH_ONLY=start` or `BENCH_ONLY=forgot` runs one part alone;
 * `BENCH_ONLY=strict` only `GET /session` stateless beside `SESSION_CHECK=strict` (memory, Redis).
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'
import { measureForgotTiming } from './forgot-timing.js'
import { formatNodeStart, measureNodeStart } from './node-start.js'
import { measureRedisRoundTrips, startRedis } from './redis-roundtrips.js'
import { measureWorkerBundle, WORKER_GZIP_BUDGET } from './worker-bundle.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const DURATION = Number(process.env.BENCH_SECONDS ?? 5)
const CONNECTIONS = 50

interface Target {
  readonly name: string
  readonly url: string
  readonly headers: Record<string, string>
}

async function startTargets(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./targets.ts', import.meta.url).pathname], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  })
  // The child answers each message with its `process.cpuUsage()`; one question at a time.
  const cpu = () =>
    new Promise<number>((resolve) => {
      child.once('message', (u) => resolve((u as NodeJS.CpuUsage).user + (u as NodeJS.CpuUsage).system))
      child.send('cpu')
    })
  const { stdout } = child
  if (!stdout) throw new Error('bench targets have no stdout')
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: stdout }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`bench targets exited with ${code}`)))
  })
  return { info: JSON.parse(firstLine), cpu, stop: () => child.kill('SIGTERM') }
}

/**
 * One sample: req/s, and the server's CPU µs per request (its CPU time over the round divided by
 * the requests answered in it). Rounds are timed rather than counted: autocannon ends a counted
 * run on its one-second tick, which would round every rate to 1/n of the count.
 */
interface Sample {
  readonly rps: number
  readonly cpuUs: number
}

async function measure(t: Target, cpu: () => Promise<number>): Promise<Sample> {
  const cpuBefore = await cpu()
  const result = await autocannon({ url: t.url, headers: t.headers, connections: CONNECTIONS, duration: DURATION })
  const cpuAfter = await cpu()
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${t.name}: ${result.non2xx} non-2xx answers and ${result.errors} errors; the figure would lie`)
  }
  return { rps: result.requests.average, cpuUs: (cpuAfter - cpuBefore) / result.requests.total }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** A private redis-server for the strict targets on Redis, or none (they are left out) without one. */
async function redisForStrict(): Promise<{ url: string; stop: () => Promise<void> } | undefined> {
  try {
    return await startRedis()
  } catch (err) {
    console.log(`strict on Redis skipped: ${(err as Error).message} (install redis-server to measure)\n`)
    return undefined
  }
}

export async function benchAuthorize(only?: 'strict'): Promise<Record<string, Sample>> {
  const redis = await redisForStrict()
  const { info, cpu, stop } = await startTargets(redis ? { BENCH_REDIS_URL: redis.url } : {})
  const base = (port: number, path: string) => `http://127.0.0.1:${port}${path}`
  const strictTargets: Target[] = [
    {
      name: 'GET /session, strict',
      url: base(info.ports.strictMemory, '/session'),
      headers: { cookie: info.strictMemoryCookie },
    },
    {
      name: 'strict, max-age 0',
      url: base(info.ports.strictMemoryEveryRequest, '/session'),
      headers: { cookie: info.strictMemoryEveryRequestCookie },
    },
    ...(info.ports.strictRedis
      ? [
          {
            name: 'GET /session, strict, Redis',
            url: base(info.ports.strictRedis, '/session'),
            headers: { cookie: info.strictRedisCookie },
          },
          {
            name: 'strict, Redis, max-age 0',
            url: base(info.ports.strictRedisEveryRequest, '/session'),
            headers: { cookie: info.strictRedisEveryRequestCookie },
          },
        ]
      : []),
  ]
  const stateless = {
    name: 'GET /session',
    url: base(info.ports.cached, '/session'),
    headers: { cookie: info.cachedCookie },
  }
  const allTargets: Target[] = [
    { name: 'bare Hono route', url: base(info.ports.bare, '/bare'), headers: {} },
    { name: 'bare + our 6 headers', url: base(info.ports.headers, '/headers'), headers: {} },
    {
      name: 'hono/jwt middleware',
      url: base(info.ports.honoJwt, '/jwt'),
      headers: { authorization: info.honoJwtAuthorization },
    },
    stateless,
    { name: 'GET /profile', url: base(info.ports.cached, '/profile'), headers: { cookie: info.cachedCookie } },
    {
      name: 'GET /session, token cache off',
      url: base(info.ports.uncached, '/session'),
      headers: { cookie: info.uncachedCookie },
    },
    {
      name: 'GET /session, EdDSA',
      url: base(info.ports.eddsaCached, '/session'),
      headers: { cookie: info.eddsaCachedCookie },
    },
    {
      name: 'GET /session, EdDSA, cache off',
      url: base(info.ports.eddsaUncached, '/session'),
      headers: { cookie: info.eddsaUncachedCookie },
    },
    {
      name: 'GET /session, access log on',
      url: base(info.ports.logged, '/session'),
      headers: { cookie: info.loggedCookie },
    },
    ...strictTargets,
  ]
  const targets = only === 'strict' ? [stateless, ...strictTargets] : allTargets
  const samples = new Map<string, Sample[]>(targets.map((t) => [t.name, []]))
  try {
    for (const t of targets) await autocannon({ url: t.url, headers: t.headers, connections: 10, duration: 1 })
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order so drift on a shared machine does not favour one target.
      const order = round % 2 === 0 ? targets : [...targets].reverse()
      for (const t of order) samples.get(t.name)?.push(await measure(t, cpu))
    }
  } finally {
    stop()
    await redis?.stop()
  }
  return Object.fromEntries(
    [...samples].map(([name, xs]) => [
      name,
      { rps: median(xs.map((x) => x.rps)), cpuUs: median(xs.map((x) => x.cpuUs)) },
    ]),
  )
}

const fmt = (n: number, width = 8, digits = 0) => n.toFixed(digits).padStart(width)

async function printNodeStart() {
  for (const line of formatNodeStart(await measureNodeStart())) console.log(line)
}

async function printForgotTiming() {
  for (const line of await measureForgotTiming()) console.log(line)
}

/** `SESSION_CHECK=strict` against the stateless `GET /session` of the same run. */
function printStrict(results: Record<string, Sample>) {
  const stateless = results['GET /session'] as Sample
  console.log('SESSION_CHECK=strict             req/s   x stateless   CPU µs/req   x stateless CPU')
  for (const [name, { rps, cpuUs }] of Object.entries(results)) {
    if (name !== 'GET /session' && !name.includes('strict')) continue
    console.log(
      `${name.padEnd(30)}${fmt(rps)}   ${fmt(rps / stateless.rps, 11, 2)}   ${fmt(cpuUs, 10, 1)}   ${fmt(cpuUs / stateless.cpuUs, 15, 2)}`,
    )
  }
  const strict = results['GET /session, strict'] as Sample
  console.log(`target: strict on memory >= 0.8 x stateless req/s (${(strict.rps / stateless.rps).toFixed(2)})`)
}

async function main() {
  if (process.env.BENCH_ONLY === 'start') return printNodeStart()
  if (process.env.BENCH_ONLY === 'forgot') return printForgotTiming()
  console.log(
    `autocannon, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION} s, medians;` +
      ' CPU = the server process, user + system\n',
  )
  if (process.env.BENCH_ONLY === 'strict') return printStrict(await benchAuthorize('strict'))
  const results = await benchAuthorize()
  const bare = results['bare Hono route'] as Sample
  const honoJwt = results['hono/jwt middleware'] as Sample
  console.log('target                            req/s   x bare   x hono/jwt   CPU µs/req   x bare CPU')
  for (const [name, { rps, cpuUs }] of Object.entries(results)) {
    console.log(
      `${name.padEnd(30)}${fmt(rps)}   ${fmt(rps / bare.rps, 6, 2)}   ${fmt(rps / honoJwt.rps, 10, 2)}` +
        `   ${fmt(cpuUs, 10, 1)}   ${fmt(cpuUs / bare.cpuUs, 10, 2)}`,
    )
  }
  const session = results['GET /session'] as Sample
  console.log(
    `\ntargets: GET /session >= 0.6 x bare req/s (${(session.rps / bare.rps).toFixed(2)}),` +
      ` <= 1.6 x bare CPU per request (${(session.cpuUs / bare.cpuUs).toFixed(2)}),` +
      ` >= 1.5 x hono/jwt (${(session.rps / honoJwt.rps).toFixed(2)})`,
  )
  console.log('')
  printStrict(results)

  const ratio = (a: string, b: string) => {
    const x = results[a] as Sample
    const y = results[b] as Sample
    return `${(x.rps / y.rps).toFixed(2)} x req/s, ${(x.cpuUs / y.cpuUs).toFixed(2)} x CPU`
  }
  console.log(
    `EdDSA beside HS256: GET /session ${ratio('GET /session, EdDSA', 'GET /session')};` +
      ` token cache off ${ratio('GET /session, EdDSA, cache off', 'GET /session, token cache off')}`,
  )

  if (process.env.BENCH_ONLY === 'authorize') return
  console.log('\nRedis (private redis-server): round trips per operation, refresh throughput vs memory')
  try {
    const redis = await measureRedisRoundTrips()
    for (const [name, value] of Object.entries(redis)) console.log(`  ${name.padEnd(28)}${value}`)
  } catch (err) {
    console.log(`  skipped: ${(err as Error).message} (install redis-server to measure)`)
  }

  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`
  const bundle = await measureWorkerBundle()
  console.log(
    `\nWorker bundle: ${kb(bundle.rawBytes)} raw, ${kb(bundle.gzipBytes)} gzipped (budget ${kb(WORKER_GZIP_BUDGET)})`,
  )
  console.log('')
  await printForgotTiming()
  console.log('')
  await printNodeStart()
}

await main()

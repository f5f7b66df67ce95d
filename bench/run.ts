/**
 * `npm run bench`: throughput of the AuthorizeRequest hot path against baselines measured in the
 * same run (alternating rounds, medians), printed as ratios. Absolute numbers on a shared machine
 * drift ±30 %; the ratios are what to compare.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import autocannon from 'autocannon'
import { measureRedisRoundTrips } from './redis-roundtrips.js'
import { measureWorkerBundle, WORKER_GZIP_BUDGET } from './worker-bundle.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const DURATION = Number(process.env.BENCH_SECONDS ?? 5)
const CONNECTIONS = 50

interface Target {
  readonly name: string
  readonly url: string
  readonly headers: Record<string, string>
}

async function startTargets() {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./targets.ts', import.meta.url).pathname], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const firstLine = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`bench targets exited with ${code}`)))
  })
  return { info: JSON.parse(firstLine), stop: () => child.kill('SIGTERM') }
}

async function measure(t: Target): Promise<number> {
  const result = await autocannon({ url: t.url, headers: t.headers, connections: CONNECTIONS, duration: DURATION })
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${t.name}: ${result.non2xx} non-2xx answers and ${result.errors} errors; the figure would lie`)
  }
  return result.requests.average
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

export async function benchAuthorize(): Promise<Record<string, number>> {
  const { info, stop } = await startTargets()
  const base = (port: number, path: string) => `http://127.0.0.1:${port}${path}`
  const targets: Target[] = [
    { name: 'bare Hono route', url: base(info.ports.bare, '/bare'), headers: {} },
    {
      name: 'hono/jwt middleware',
      url: base(info.ports.honoJwt, '/jwt'),
      headers: { authorization: info.honoJwtAuthorization },
    },
    { name: 'GET /session', url: base(info.ports.cached, '/session'), headers: { cookie: info.cachedCookie } },
    { name: 'GET /profile', url: base(info.ports.cached, '/profile'), headers: { cookie: info.cachedCookie } },
    {
      name: 'GET /session, token cache off',
      url: base(info.ports.uncached, '/session'),
      headers: { cookie: info.uncachedCookie },
    },
  ]
  const samples = new Map<string, number[]>(targets.map((t) => [t.name, []]))
  try {
    for (const t of targets) await autocannon({ url: t.url, headers: t.headers, connections: 10, duration: 1 })
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate the order so drift on a shared machine does not favour one target.
      const order = round % 2 === 0 ? targets : [...targets].reverse()
      for (const t of order) samples.get(t.name)?.push(await measure(t))
    }
  } finally {
    stop()
  }
  return Object.fromEntries([...samples].map(([name, xs]) => [name, median(xs)]))
}

const fmt = (n: number) => n.toFixed(0).padStart(8)

async function main() {
  console.log(`autocannon, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION} s, medians\n`)
  const rps = await benchAuthorize()
  const bare = rps['bare Hono route'] as number
  const honoJwt = rps['hono/jwt middleware'] as number
  console.log('target                            req/s   x bare   x hono/jwt')
  for (const [name, value] of Object.entries(rps)) {
    console.log(
      `${name.padEnd(30)}${fmt(value)}   ${(value / bare).toFixed(2).padStart(6)}   ${(value / honoJwt).toFixed(2).padStart(6)}`,
    )
  }
  const session = rps['GET /session'] as number
  console.log(
    `\ntargets: GET /session >= 0.45 x bare (${(session / bare).toFixed(2)}), >= 1.5 x hono/jwt (${(session / honoJwt).toFixed(2)})`,
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
}

await main()

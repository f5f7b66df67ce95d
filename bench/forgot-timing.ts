/**
 * `POST /password/forgot` for a known and an unknown address, through the whole app in this
 * process: the per-request wall time of each, alternating one of each, over memory and over a
 * private redis-server, and their ratio. The contract asks for comparable time, so that the answer
 * does not tell whether an address has an account; the mail goes after the answer either way (here
 * to a mailer that accepts at once). `BENCH_ONLY=forgot npm run bench`, or
 * `npx tsx bench/forgot-timing.ts`.
 */
import { createScryptHasher } from '../src/adapters/crypto/scrypt-hasher.js'
import { createApp } from '../src/adapters/http/app.js'
import { silentLog } from '../src/adapters/log.js'
import { createMemoryStores } from '../src/adapters/stores/memory/index.js'
import { type AuthPolicy, later } from '../src/application/deps.js'
import type { Stores } from '../src/application/ports.js'
import { buildDeps } from '../src/service.js'
import { PASSWORD, POLICY, SECRET, startRedis } from './redis-roundtrips.js'

const ACCOUNTS = Number(process.env.BENCH_FORGOT_ACCOUNTS ?? 300)
// The benches' policy, with the password reset on.
const FORGOT_POLICY: AuthPolicy = { ...POLICY, passwordReset: true }

let clients = 0
/** Each request from a client address of its own, so the per-IP limits never answer instead. */
const post = (path: string, body: unknown) =>
  new Request(`http://bench${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-bench-ip': `10.${(++clients >> 16) & 255}.${(clients >> 8) & 255}.${clients & 255}`,
    },
    body: JSON.stringify(body),
  })

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? Number.NaN
}

/** Median µs per forgot for known and unknown addresses, alternating, each address asked once. */
async function measure(stores: Stores): Promise<{ knownUs: number; unknownUs: number }> {
  const hasher = createScryptHasher({ params: { ln: 10, r: 8, p: 1 } })
  const mailer = { send: async () => {} }
  // The work after each answer is waited for before the next request, so that one request's
  // background (a known address's token and mail) never slows the next one's answer.
  const pending: Promise<unknown>[] = []
  const background = { run: (task: () => Promise<unknown>) => void pending.push(later(task)) }
  const deps = buildDeps({ stores, hasher, secret: SECRET, policy: FORGOT_POLICY, log: silentLog, mailer, background })
  const app = createApp(deps, stores.health, {
    cookieSecure: false,
    allowedOrigins: [],
    clientIp: (c) => c.req.header('x-bench-ip') ?? '127.0.0.1',
  })
  const run = `${Date.now().toString(36)}`
  for (let i = 0; i < ACCOUNTS; i++) {
    const res = await app.request(post('/register', { email: `known-${run}-${i}@example.com`, password: PASSWORD }))
    if (res.status !== 201) throw new Error(`register: ${res.status}`)
  }
  const time = async (email: string) => {
    const t0 = performance.now()
    const res = await app.request(post('/password/forgot', { email }))
    const us = (performance.now() - t0) * 1000
    if (res.status !== 202) throw new Error(`forgot: ${res.status}`)
    await Promise.all(pending.splice(0))
    return us
  }
  // A warm-up of each kind, then alternate so drift on a shared machine hits both alike.
  await time(`warm-${run}@example.com`)
  const known: number[] = []
  const unknown: number[] = []
  for (let i = 0; i < ACCOUNTS; i++) {
    known.push(await time(`known-${run}-${i}@example.com`))
    unknown.push(await time(`nobody-${run}-${i}@example.com`))
  }
  return { knownUs: median(known), unknownUs: median(unknown) }
}

export async function measureForgotTiming(): Promise<string[]> {
  const lines = [`POST /password/forgot, ${ACCOUNTS} of each, alternating, median µs per request (in process)`]
  const row = (name: string, r: { knownUs: number; unknownUs: number }) =>
    `  ${name.padEnd(8)} known ${r.knownUs.toFixed(0).padStart(6)}   unknown ${r.unknownUs.toFixed(0).padStart(6)}` +
    `   unknown / known ${(r.unknownUs / r.knownUs).toFixed(2)}`
  lines.push(row('memory', await measure(createMemoryStores())))
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined
  try {
    redis = await startRedis()
    const [{ createRedisClient, waitUntilReady, closeRedisClient }, { createRedisStores }] = await Promise.all([
      import('../src/adapters/stores/redis/client.js'),
      import('../src/adapters/stores/redis/index.js'),
    ])
    const client = createRedisClient({ url: redis.url }, () => {})
    try {
      if (!(await waitUntilReady(client))) throw new Error('redis did not become ready')
      lines.push(row('redis', await measure(createRedisStores(client))))
    } finally {
      await closeRedisClient(client)
    }
  } catch (err) {
    lines.push(`  redis    skipped: ${(err as Error).message}`)
  } finally {
    await redis?.stop()
  }
  return lines
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await measureForgotTiming()) console.log(line)
}

/**
 * `/health` latency while a burst of concurrent logins hits one Worker isolate under `wrangler dev`
 * (local workerd, local Durable Objects, loopback only). Each login is for an unknown email, so it
 * costs one OWASP scrypt (the dummy hash) unless the KDF budget refuses it with 503.
 *
 *   npx tsx bench/worker-health-burst.ts [--logins 100] [--rounds 5] [--root <a checkout of this project>]
 *
 * Each round fires `--logins` logins at once and probes `/health` every 50 ms until they have all
 * answered; rounds are a second apart, and their figures are pooled.
 *
 * `--root` runs another copy of the project (with its own node_modules or a link to these), for a
 * before/after comparison. Prints one JSON line of results; the numbers are for comparing runs on
 * one machine, never targets.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    logins: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '5' },
    root: { type: 'string' },
  },
})
const LOGINS = Math.min(1000, Math.max(1, Number(values.logins)))
const ROUNDS = Math.min(20, Math.max(1, Number(values.rounds)))
const ROOT = path.resolve(values.root ?? path.join(import.meta.dirname, '..'))
const PROBE_EVERY_MS = 50
/** A request without an answer by then is counted as a timeout (undici's own limit is 300 s). */
const TIMEOUT_MS = 60_000
const MAX_PROBES = 2000

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })

/** Starts `wrangler dev` in its own process group (so it and its workerd stop together). */
async function startWrangler(port: number, persistTo: string): Promise<ChildProcess> {
  const wrangler = path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js')
  const vars = ['NODE_ENV:development', 'JWT_SECRET:bench-secret-0123456789abcdefghijklmnopqrstuvwxyz']
  vars.push('RATE_LIMIT_PER_MINUTE:1000000')
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persistTo]
  for (const v of vars) args.push('--var', v)
  const child = spawn(process.execPath, [wrangler, ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: '1' },
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited: ${stderr}`)
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return child
    } catch {}
    await sleep(100)
  }
  stop(child)
  throw new Error(`wrangler dev did not answer /health within 30 s: ${stderr}`)
}

function stop(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM')
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN

const summary = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b)
  const r = (x: number) => Math.round(x)
  return {
    n: s.length,
    min: r(s[0] ?? Number.NaN),
    median: r(quantile(s, 0.5)),
    p90: r(quantile(s, 0.9)),
    max: r(s.at(-1) ?? Number.NaN),
  }
}

/** Milliseconds until `/health` answered, or null when it did not within TIMEOUT_MS. */
async function timedHealth(base: string): Promise<number | null> {
  const start = performance.now()
  try {
    const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(TIMEOUT_MS) })
    await res.arrayBuffer()
    if (!res.ok) throw new Error(`/health answered ${res.status}`)
    return performance.now() - start
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') return null
    throw err
  }
}

interface Pooled {
  readonly statuses: Record<string, number>
  /** When each login answered, from the start of its round. */
  readonly loginMs: number[]
  readonly burstMs: number[]
  readonly during: number[]
  healthTimeouts: number
}

async function burst(base: string, round: number, pooled: Pooled): Promise<void> {
  const { statuses, loginMs, during } = pooled
  const started = performance.now()
  let done = false
  const logins = Promise.all(
    Array.from({ length: LOGINS }, async (_, i) => {
      let key = 'timeout'
      try {
        const res = await fetch(`${base}/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'cf-connecting-ip': '127.0.0.1' },
          body: JSON.stringify({ email: `bench-${round}-${i}@example.com`, password: 'not the password' }),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        })
        await res.arrayBuffer()
        loginMs.push(performance.now() - started)
        key =
          res.status === 503
            ? `503 ${res.headers.has('retry-after') ? 'with' : 'without'} Retry-After`
            : `${res.status}`
      } catch (err) {
        if ((err as Error).name !== 'TimeoutError') key = `error ${(err as Error).name}`
      }
      statuses[key] = (statuses[key] ?? 0) + 1
    }),
  ).finally(() => {
    done = true
  })
  while (!done && during.length < MAX_PROBES) {
    const ms = await timedHealth(base)
    if (ms === null) pooled.healthTimeouts++
    else during.push(ms)
    await sleep(PROBE_EVERY_MS)
  }
  await logins
  pooled.burstMs.push(Math.round(performance.now() - started))
  console.error(`round ${round + 1}/${ROUNDS}: ${pooled.burstMs.at(-1)} ms, ${JSON.stringify(statuses)}`)
}

async function measure(base: string) {
  const idle: number[] = []
  for (let i = 0; i < 10; i++) idle.push((await timedHealth(base)) ?? TIMEOUT_MS)
  const pooled: Pooled = { statuses: {}, loginMs: [], burstMs: [], during: [], healthTimeouts: 0 }
  for (let round = 0; round < ROUNDS; round++) {
    if (round > 0) await sleep(1000)
    await burst(base, round, pooled)
  }
  return {
    statuses: pooled.statuses,
    burstMs: pooled.burstMs,
    loginAnsweredMs: summary(pooled.loginMs),
    healthIdleMs: summary(idle),
    healthDuringBurstMs: summary(pooled.during),
    healthTimeouts: pooled.healthTimeouts,
  }
}

const persistTo = await mkdtemp(path.join(tmpdir(), 'worker-health-burst-'))
const port = await freePort()
const child = await startWrangler(port, persistTo)
try {
  const result = await measure(`http://127.0.0.1:${port}`)
  console.log(JSON.stringify({ root: ROOT, logins: LOGINS, rounds: ROUNDS, ...result }))
} finally {
  stop(child)
  await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)))
  await rm(persistTo, { recursive: true, force: true })
}

/**
 * `npm start` as production runs it, measured from outside: spawned with a free PORT, `/health`
 * polled every 5 ms until its first 200 (time to ready, from the spawn), the idle RSS of the server
 * process itself (VmRSS of /proc/<pid>/status, for the node process running dist/node.js, not
 * npm's), then SIGTERM to the spawned process, as an orchestrator sends it, and how long until the
 * server and npm have exited, with npm's exit code. `node dist/node.js` is measured the same way,
 * to show what npm adds. Linux only (/proc). Builds dist/ first when it is missing or stale.
 *
 *   npx tsx bench/node-start.ts      (BENCH_START_RUNS, default 5)
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { ensureNodeBuild, ROOT } from '../test/support/node-build.js'

const RUNS = Number(process.env.BENCH_START_RUNS ?? 5)
const IDLE_MS = 1000

/** One start: times in ms from the spawn, memory in MiB. */
export interface StartSample {
  readonly readyMs: number
  /** The server's own `startMs` (its `listening` line): since its process began. */
  readonly serverStartMs: number | undefined
  readonly rssMiB: number
  readonly launcherRssMiB: number | undefined
  /** The processes from the spawned one down to the server: `npm -> node`. */
  readonly chain: string
  readonly serverGoneMs: number
  readonly launcherExitMs: number
  readonly exitCode: number | null
  readonly stoppedLogged: boolean
  /** Lines of standard output that are not JSON (npm's banner). */
  readonly otherLines: number
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })

/** The status of one GET, or 0 when nothing answers yet. A fresh connection each time. */
const status = (port: number, path: string): Promise<number> =>
  new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.once('error', () => resolve(0))
    req.end()
  })

const proc = (pid: number, file: string): string => {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8')
  } catch {
    return ''
  }
}
const alive = (pid: number): boolean => proc(pid, 'stat') !== '' && !/\) Z /.test(proc(pid, 'stat'))
const parentOf = (pid: number): number => Number(/\) \S+ (\d+)/.exec(proc(pid, 'stat'))?.[1] ?? 0)
const commandOf = (pid: number): string => proc(pid, 'cmdline').split('\0').filter(Boolean).join(' ')
const rssMiB = (pid: number): number | undefined => {
  const kb = /VmRSS:\s+(\d+) kB/.exec(proc(pid, 'status'))?.[1]
  return kb === undefined ? undefined : Number(kb) / 1024
}

/** The processes from `root` down to the deepest one whose command line matches `server`. */
function chainTo(root: number, server: RegExp): number[] | undefined {
  const pids = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
  const found = pids
    .filter((pid) => server.test(commandOf(pid)) && descendsFrom(pid, root))
    .sort((a, b) => depth(b) - depth(a))[0]
  if (found === undefined) return undefined
  const chain = [found]
  while ((chain[0] as number) !== root) chain.unshift(parentOf(chain[0] as number))
  return chain
}
const depth = (pid: number): number => {
  let n = 0
  for (let p = pid; p > 1; p = parentOf(p)) n += 1
  return n
}
const descendsFrom = (pid: number, root: number): boolean => {
  for (let p = pid; p > 1; p = parentOf(p)) if (p === root) return true
  return false
}
const label = (pid: number): string => {
  const [exe = '?', ...args] = commandOf(pid).split(' ')
  const name = exe.split('/').pop() ?? exe
  return name === 'node' && /\bnpm(-cli\.js)?$/.test(args[0] ?? '') ? 'npm' : [name, ...args.slice(0, 2)].join(' ')
}

/**
 * One start of `command`; `server` picks the server among its descendants (the deepest match: a
 * wrapper whose arguments name the same file is not the server).
 */
export async function once(command: readonly string[], server = /dist\/node\.js/): Promise<StartSample> {
  const port = await freePort()
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    JWT_SECRET: 'bench-start-Qm3vR8kT2wZ5yH9pL4nB7xC1dF6gJ0s',
    // Production with mail on: nodemailer is loaded at the start (it connects only to send).
    SMTP_URL: 'smtp://127.0.0.1:2525',
    MAIL_FROM: 'no-reply@example.com',
    APP_URL: 'https://app.example.com',
  }
  const startedAt = performance.now()
  const child: ChildProcess = spawn(command[0] as string, command.slice(1), {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => {
    out += d
  })
  child.stderr?.on('data', (d: Buffer) => {
    out += d
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let done = false
  void exited.then(() => {
    done = true
  })
  while ((await status(port, '/health')) !== 200) {
    if (done) throw new Error(`${command.join(' ')} exited before it was ready:\n${out}`)
    await sleep(5)
  }
  const readyMs = performance.now() - startedAt
  const pid = child.pid as number
  const pids = chainTo(pid, server) ?? [pid]
  const serverPid = pids.at(-1) as number
  const chain = pids.map(label).join(' -> ')
  await sleep(IDLE_MS)
  const rss = rssMiB(serverPid) ?? Number.NaN
  const launcherRss = serverPid === pid ? undefined : rssMiB(pid)

  const stopAt = performance.now()
  child.kill('SIGTERM')
  let serverGoneMs = Number.NaN
  const gone = (async () => {
    while (alive(serverPid)) await sleep(1)
    serverGoneMs = performance.now() - stopAt
  })()
  const deadline = sleep(15_000).then(() => 'timeout' as const)
  const exitCode = await Promise.race([exited, deadline])
  if (exitCode === 'timeout') throw new Error(`${command.join(' ')} did not exit within 15 s of SIGTERM`)
  const launcherExitMs = performance.now() - stopAt
  await Promise.race([gone, sleep(2000)])
  if (alive(serverPid)) {
    process.kill(serverPid, 'SIGKILL')
    throw new Error(`the server (pid ${serverPid}) outlived ${command.join(' ')} after SIGTERM`)
  }
  const lines = out.split('\n').filter((l) => l.trim() !== '')
  const json = lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>]
    } catch {
      return []
    }
  })
  const listening = json.find((l) => l.msg === 'listening')
  return {
    readyMs,
    serverStartMs: typeof listening?.startMs === 'number' ? listening.startMs : undefined,
    rssMiB: rss,
    launcherRssMiB: launcherRss,
    chain,
    serverGoneMs,
    launcherExitMs,
    exitCode,
    stoppedLogged: json.some((l) => l.msg === 'stopped'),
    otherLines: lines.length - json.length,
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** `RUNS` starts of each command, alternating, so drift on a shared machine favours neither. */
export async function measureNodeStart(): Promise<Record<string, StartSample[]>> {
  await ensureNodeBuild()
  const commands: Record<string, readonly string[]> = {
    'npm start': ['npm', 'start'],
    'node dist/node.js': [process.execPath, 'dist/node.js'],
  }
  const samples: Record<string, StartSample[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]))
  for (let run = 0; run < RUNS; run++) {
    for (const [name, command] of Object.entries(commands)) samples[name]?.push(await once(command))
  }
  return samples
}

/** The lines `npm run bench` prints. */
export function formatNodeStart(results: Record<string, StartSample[]>): string[] {
  const f = (n: number | undefined, digits = 0) => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits))
  const lines = [
    `Node start: ${RUNS} runs each, NODE_ENV=production, memory stores; ready = first /health 200 after the spawn`,
    'command              ready ms (median, max)   server startMs   idle RSS MiB   SIGTERM: gone ms, exit code, "stopped"',
  ]
  for (const [name, xs] of Object.entries(results)) {
    const ready = xs.map((x) => x.readyMs)
    const codes = [...new Set(xs.map((x) => String(x.exitCode)))].join('/')
    const stopped = xs.filter((x) => x.stoppedLogged).length
    lines.push(
      `${name.padEnd(20)} ${f(median(ready)).padStart(8)} ${f(Math.max(...ready)).padStart(6)}` +
        `   ${f(median(xs.flatMap((x) => x.serverStartMs ?? []))).padStart(14)}` +
        `   ${f(median(xs.map((x) => x.rssMiB)), 1).padStart(12)}` +
        `   ${f(median(xs.map((x) => x.serverGoneMs)))} ms, ${codes}, ${stopped}/${xs.length}`,
    )
  }
  const npm = results['npm start'] ?? []
  const first = npm[0]
  if (first) {
    lines.push(`processes of npm start: ${first.chain}; npm's own RSS ${f(first.launcherRssMiB, 1)} MiB`)
    lines.push(
      `non-JSON lines on npm start's output: ${first.otherLines} (npm's banner; \`npm start --silent\` drops it)`,
    )
    const ready = median(npm.map((x) => x.readyMs))
    const rss = median(npm.map((x) => x.rssMiB))
    lines.push(
      `targets: npm start ready <= 500 ms (${f(ready)}), idle RSS <= 80 MiB (${f(rss, 1)}),` +
        ` exit 0 on SIGTERM (${[...new Set(npm.map((x) => x.exitCode))].join('/')})`,
    )
  }
  return lines
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of formatNodeStart(await measureNodeStart())) console.log(line)
}

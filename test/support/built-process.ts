import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { freePort } from './free-port.js'
import { keepOutput } from './kept-output.js'
import { NODE_ENTRY, ROOT } from './node-build.js'

/** The built server as a real process, its output kept (never printed). */
export interface BuiltProcess {
  readonly child: ChildProcess
  readonly port: number
  readonly url: string
  /** Standard output and error together, as written so far. */
  readonly output: () => string
  /** The non-empty lines of `output`. */
  readonly lines: () => string[]
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>
  /** Sends `signal` (SIGTERM by default) and resolves with the exit code. */
  readonly stop: (signal?: NodeJS.Signals) => Promise<number | null>
  /** SIGKILLs every process this one started, orphans included (they carry its mark in their environment). */
  readonly killAll: () => void
}

/**
 * Spawns the built server with only `env` (and PATH, HOME, a free PORT on 127.0.0.1): `npm start
 * --silent` (npm's banner aside, exactly what production runs) or `node dist/node.js`.
 */
export async function spawnBuilt(
  how: 'npm start' | 'node',
  env: Record<string, string>,
  port?: number,
): Promise<BuiltProcess> {
  const listenOn = port ?? (await freePort())
  const mark = crypto.randomUUID()
  const [command, args] = how === 'npm start' ? ['npm', ['start', '--silent']] : [process.execPath, [NODE_ENTRY]]
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      HOST: '127.0.0.1',
      PORT: String(listenOn),
      BUILT_PROCESS_MARK: mark,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const { output, exited } = keepOutput(child)
  return {
    child,
    port: listenOn,
    url: `http://127.0.0.1:${listenOn}`,
    output,
    lines: () =>
      output()
        .split('\n')
        .filter((l) => l.trim() !== ''),
    exited,
    stop: (signal = 'SIGTERM') => {
      child.kill(signal)
      return exited
    },
    killAll: () => {
      for (const pid of marked(`BUILT_PROCESS_MARK=${mark}`)) process.kill(pid, 'SIGKILL')
    },
  }
}

/** Polls `/health` until it answers 200; fails when the process exits first or after `timeoutMs`. */
export async function untilReady(p: BuiltProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let gone = false
  void p.exited.then(() => {
    gone = true
  })
  while (Date.now() < deadline) {
    if (gone) throw new Error(`the server exited before it was ready:\n${p.output()}`)
    try {
      if ((await fetch(`${p.url}/health`)).status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`the server was not ready after ${timeoutMs} ms:\n${p.output()}`)
}

/** Waits until `check` holds (output arrives a little after the answer it describes). */
export async function eventually(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Each line parsed as JSON; a line that is not a JSON object fails the caller's test. */
export function jsonLines(lines: readonly string[]): Record<string, unknown>[] {
  return lines.map((line) => {
    const value: unknown = JSON.parse(line)
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error(`not a JSON object: ${line}`)
    return value as Record<string, unknown>
  })
}

/** The children of `pid` (Linux /proc), with their command lines. */
export function childrenOf(pid: number): { pid: number; command: string }[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
        if (Number(/\) \S+ (\d+)/.exec(stat)?.[1]) !== pid) return []
        const command = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ')
        return [{ pid: Number(d), command }]
      } catch {
        return []
      }
    })
}

/** The running processes whose environment holds `entry` (`NAME=value`). */
function marked(entry: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const env = readFileSync(`/proc/${d}/environ`, 'utf8').split('\0')
        return env.includes(entry) && isRunning(Number(d)) ? [Number(d)] : []
      } catch {
        return []
      }
    })
}

/** Whether a process with this pid is running (not gone, not a zombie). */
export function isRunning(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

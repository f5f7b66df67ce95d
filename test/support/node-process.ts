import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { freePort } from './free-port.js'
import { keepOutput } from './kept-output.js'

const ENTRY = fileURLToPath(new URL('../../src/node.ts', import.meta.url))

export interface NodeService {
  readonly url: string
  readonly child: ChildProcess
  readonly output: () => string
  /** SIGTERM, then the exit code. */
  readonly stop: () => Promise<number | null>
}

/** Spawns `src/node.ts` on a free port with only `env` (and PATH), its stdout and stderr kept, never printed. */
async function spawnService(env: Record<string, string>) {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const { output, exited } = keepOutput(child)
  return { port, child, exited, output }
}

/** Runs `src/node.ts` (what `npm run dev` runs; `npm start` runs its build: built-process.ts) and waits for it to listen. */
export async function startNodeService(env: Record<string, string>): Promise<NodeService> {
  const { port, child, exited, output } = await spawnService(env)
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output().includes('"msg":"listening"')) {
        clearInterval(timer)
        resolve()
      }
    }, 25)
    exited.then((code) => {
      clearInterval(timer)
      reject(new Error(`service exited with ${code} before listening:\n${output()}`))
    })
  })
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output,
    stop: async () => {
      child.kill('SIGTERM')
      return exited
    },
  }
}

/** Runs `src/node.ts` expecting it to refuse to start; resolves with its exit code and output. */
export async function failedStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const { child, exited, output } = await spawnService(env)
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  const code = await exited
  clearTimeout(timer)
  return { code, output: output() }
}

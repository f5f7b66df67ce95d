import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from './free-port.js'
import { keepOutput } from './kept-output.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface WorkerDev {
  readonly url: string
  readonly output: () => string
  /** Stops wrangler and its workerd (the whole process group), then removes its state. */
  readonly stop: () => Promise<void>
}

/**
 * `npm run dev:worker` as a developer runs it (`wrangler dev`, local Durable Objects and KV in a
 * state directory of its own), with `vars` on top, on a free port; resolves once `/health` answers.
 */
export async function startWorkerDev(vars: Record<string, string>, timeoutMs = 60_000): Promise<WorkerDev> {
  const port = await freePort()
  const state = await mkdtemp(join(tmpdir(), 'wrangler-state-'))
  const args = ['run', '-s', 'dev:worker', '--', '--port', String(port), '--ip', '127.0.0.1', '--persist-to', state]
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`)
  // Its own process group, so that stopping it stops workerd too.
  const child = spawn('npm', args, {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  const { output, exited } = keepOutput(child)
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM')
      } catch {}
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {}
    }
    await rm(state, { recursive: true, force: true })
  }
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output()}`)
    try {
      if ((await fetch(`${url}/health`)).status === 200) break
    } catch {}
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`wrangler dev did not answer /health within ${timeoutMs} ms:\n${output()}`)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  return { url, output, stop }
}

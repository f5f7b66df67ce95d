import type { ChildProcess } from 'node:child_process'

/** A child's standard output and error kept together as written (never printed), and its exit code. */
export function keepOutput(child: ChildProcess): { output: () => string; exited: Promise<number | null> } {
  let out = ''
  const keep = (d: Buffer) => {
    out += d
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { output: () => out, exited }
}

import { execFile } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { tsFiles } from './imports.js'

/** The project's root, and what `npm start` runs. */
export const ROOT = resolve(import.meta.dirname, '../..')
export const NODE_ENTRY = join(ROOT, 'dist/node.js')
/** What `npm run import` runs. */
export const IMPORT_CLI_ENTRY = join(ROOT, 'dist/import-cli.js')

/**
 * Whether dist/node.js is missing or older than a source it is built from. tsc writes every output
 * on each build, so the entry's time is the build's.
 */
export function nodeBuildIsStale(): boolean {
  if (!existsSync(NODE_ENTRY) || !existsSync(IMPORT_CLI_ENTRY)) return true
  const builtAt = statSync(NODE_ENTRY).mtimeMs
  const inputs = [...tsFiles(join(ROOT, 'src')), join(ROOT, 'tsconfig.build.json'), join(ROOT, 'tsconfig.json')]
  return inputs.some((file) => statSync(file).mtimeMs > builtAt)
}

/**
 * Builds the Node side (`tsc -p tsconfig.build.json`, the first step of `npm run build`) when it
 * is missing or stale, so a test or the bench never runs yesterday's JS. `npm ci` builds it already
 * (`prepare`); this covers a source edited since.
 */
export async function ensureNodeBuild(): Promise<'fresh' | 'built'> {
  if (!nodeBuildIsStale()) return 'fresh'
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc')
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT })
  } catch (err) {
    // tsc emits despite type errors, which `npm run typecheck` reports; only a build that emitted
    // nothing is a failure here.
    if (nodeBuildIsStale()) throw new Error(`the build failed:\n${String((err as { stdout?: string }).stdout ?? err)}`)
  }
  return 'built'
}

/**
 * `npm run import -- users.jsonl`: imports accounts (`importUsers`, src/import-users.ts) into the
 * store the environment configures, read as the service reads it (`REDIS_URL` or
 * `REDIS_CLUSTER_NODES`, src/node-stores.ts). Prints each skipped line's number and reason, then a
 * summary, on standard output; exits 0 when every line was imported, 1 when any was skipped, 2
 * when the import could not run (usage, settings, no Redis configured or reachable, an unreadable
 * file, the store failing on the way). Never prints a hash, a setting's value or a secret.
 */

import { open } from 'node:fs/promises'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseSettings, type Settings, SettingsError } from './adapters/config/settings.js'
import { createLog } from './adapters/log.js'
import { textLines } from './adapters/text-lines.js'
import { IMPORT_LINE_MAX } from './application/import-line.js'
import { type ImportReport, ImportStoppedError, importUsers } from './import-users.js'
import { redisTargetOf, storesFor } from './node-stores.js'

/** Where the command writes: the report to `out`, what went wrong to `err`. */
export interface ImportIo {
  readonly out: (line: string) => void
  readonly err: (line: string) => void
}

const USAGE = 'usage: npm run import -- <users.jsonl>'

const summary = (r: ImportReport): string =>
  `imported ${r.imported} account${r.imported === 1 ? '' : 's'}, skipped ${r.skipped.length} line${r.skipped.length === 1 ? '' : 's'}`

function printReport(report: ImportReport, io: ImportIo): void {
  for (const { line, reason } of report.skipped) io.out(`line ${line}: ${reason}`)
  io.out(summary(report))
}

/** A file-system error as its code only (`ENOENT`, `EACCES`, `EISDIR`), never a message or stack. */
const codeOf = (err: unknown): string => {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'read error'
}

/** Runs the command; resolves to its exit code. `argv` is what follows the script's name. */
export async function runImport(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: ImportIo,
): Promise<number> {
  const [file, ...extra] = argv
  if (file === undefined || file === '' || extra.length > 0) {
    io.err(USAGE)
    return 2
  }
  let settings: Settings
  try {
    settings = parseSettings(env)
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err
    io.err(err.message) // names the variables, never their values
    return 2
  }
  if (!redisTargetOf(settings)) {
    io.err('nothing to import into: set REDIS_URL or REDIS_CLUSTER_NODES as the service has them')
    io.err('(without either the service keeps accounts in memory, which would vanish with this command)')
    return 2
  }
  // `npm run` starts in the package's folder; a relative path is the caller's (INIT_CWD).
  const path = resolve(env.INIT_CWD ?? process.cwd(), file)
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path)
  } catch (err) {
    io.err(`cannot read ${file} (${codeOf(err)}): nothing imported`)
    return 2
  }
  const log = createLog({ level: settings.logLevel, sink: (line) => io.err(line) })
  const { stores, ready, close } = await storesFor(settings, log)
  try {
    if (!ready) {
      io.err('redis is not reachable: nothing imported')
      return 2
    }
    const report = await importUsers(stores, textLines(handle.createReadStream(), IMPORT_LINE_MAX))
    printReport(report, io)
    return report.skipped.length > 0 ? 1 : 0
  } catch (err) {
    if (!(err instanceof ImportStoppedError)) {
      if (codeOf(err) === 'read error') throw err // not the file's: a bug
      io.err(`cannot read ${file} (${codeOf(err)}): only the lines read before it were imported`)
      return 2
    }
    printReport(err.report, io)
    io.err(`stopped at line ${err.line}: the store failed; lines from ${err.line} on were not imported`)
    io.err('run the import again once the store answers: accounts already imported are skipped as taken')
    return 2
  } finally {
    await close()
    await handle.close()
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href

if (isMain) {
  const io: ImportIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }
  process.exitCode = await runImport(process.argv.slice(2), process.env, io)
}

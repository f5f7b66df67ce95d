import type { Email } from '../domain/email.js'
import type { UserId, UserRecord } from '../domain/user.js'
import type { Deps } from './deps.js'
import { parseImportLine } from './import-line.js'
import type { PasswordHasher } from './ports.js'

/** A line that was not imported, by its number (the first line is 1) and why. */
export interface SkippedLine {
  readonly line: number
  readonly reason: string
}

/** What an import did: how many accounts it created, and every line it skipped, in order. */
export interface ImportReport {
  readonly imported: number
  readonly skipped: readonly SkippedLine[]
}

/**
 * The store failed mid-import (an outage throws; it is no reason to skip a line). The lines
 * before `line` are done, each whole, as `report` says; `line` and those after it were not read
 * into the store. Run the import again: the accounts already in are skipped as taken.
 */
export class ImportStoppedError extends Error {
  override readonly name = 'ImportStoppedError'
  constructor(
    readonly line: number,
    readonly report: ImportReport,
    options: { cause: unknown },
  ) {
    super(`the import stopped at line ${line}: the store failed`, options)
  }
}

/**
 * Imports accounts from JSON Lines (see `parseImportLine` for a record's fields), each with a
 * fresh id and the password hash it came with, which the first successful login replaces with
 * this service's scrypt. A line is validated whole before anything is stored, then created in one
 * atomic `users.create`: it is imported entirely or not at all. Bad lines (not JSON, a field that
 * fails its check, a hash the hasher cannot verify, an email earlier in the file or already
 * taken) are skipped and reported by number; blank lines are passed over silently. Lines are read
 * one at a time, so an input of any length takes memory for the emails seen, not for the file.
 */
export async function importUsers(
  deps: Pick<Deps, 'users' | 'random' | 'clock'> & { readonly hasher: Pick<PasswordHasher, 'accepts'> },
  lines: Iterable<string> | AsyncIterable<string>,
): Promise<ImportReport> {
  const skipped: SkippedLine[] = []
  const seen = new Map<Email, number>()
  let imported = 0
  let line = 0
  for await (const raw of lines) {
    line++
    // A byte-order mark before the first record, and CRLF line ends, are the file's, not the record's.
    const text = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).replace(/\r$/, '')
    if (text.trim() === '') continue
    const now = deps.clock.now()
    const parsed = parseImportLine(text, (hash) => deps.hasher.accepts(hash), now)
    if (!parsed.ok) {
      skipped.push({ line, reason: parsed.reason })
      continue
    }
    const { createdAt, ...account } = parsed.account
    const earlier = seen.get(account.email)
    if (earlier !== undefined) {
      skipped.push({ line, reason: `email is already on line ${earlier}` })
      continue
    }
    const user: UserRecord = { id: deps.random.id() as UserId, ...account, createdAt: createdAt ?? now }
    let outcome: 'created' | 'email_taken'
    try {
      outcome = await deps.users.create(user)
    } catch (cause) {
      throw new ImportStoppedError(line, { imported, skipped }, { cause })
    }
    if (outcome === 'email_taken') {
      skipped.push({ line, reason: 'email is already taken' })
      continue
    }
    seen.set(account.email, line)
    imported++
  }
  return { imported, skipped }
}

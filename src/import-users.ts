import { acceptsStoredHash } from './adapters/crypto/scrypt-hasher.js'
import { systemClock, webRandom } from './adapters/crypto/web-runtime.js'
import { type ImportReport, importUsers as importInto } from './application/import-users.js'
import type { Clock, Random, Stores } from './application/ports.js'

export { type ImportReport, ImportStoppedError, type SkippedLine } from './application/import-users.js'

/** What `importUsers` may be given besides the stores and the lines (tests pass their own). */
export interface ImportOptions {
  readonly clock?: Clock
  readonly random?: Random
}

/**
 * Moves accounts in from another system, with the password hashes they have there: one JSON
 * object a line,
 *
 *     {"email":"ada@example.com","passwordHash":"$2b$12$…","name":"Ada","emailVerified":true,
 *      "roles":["admin"],"createdAt":"2021-03-04T05:06:07Z"}
 *
 * where only `email` and `passwordHash` are required. The hash may be this service's scrypt, bcrypt
 * (`$2a$`, `$2b$`, `$2y$`, cost 4 to 13) or argon2id (`$argon2id$v=19$…`, at most 64 MiB, `m·t` at
 * most 3·64 MiB): the first successful login verifies it and stores scrypt in its place. Each
 * account gets a fresh id; each line is imported whole or skipped, and the report gives every
 * skipped line's number and a reason that repeats nothing of the line. Works with any `Stores`:
 * memory, Redis, or a Worker's Durable Object and KV stores. Resolves once every line is read;
 * throws `ImportStoppedError` when the store fails on the way. `npm run import -- users.jsonl`
 * runs it over the store that `REDIS_URL` or `REDIS_CLUSTER_NODES` configures.
 *
 *     const report = await importUsers(stores, jsonl) // a string, or an (async) iterable of lines
 *     for (const { line, reason } of report.skipped) console.log(`line ${line}: ${reason}`)
 */
export function importUsers(
  stores: Stores,
  input: string | Iterable<string> | AsyncIterable<string>,
  options: ImportOptions = {},
): Promise<ImportReport> {
  // A string is iterable by character: split it into its lines first.
  const lines = typeof input === 'string' ? input.split('\n') : input
  return importInto(
    {
      users: stores.users,
      hasher: { accepts: acceptsStoredHash },
      clock: options.clock ?? systemClock,
      random: options.random ?? webRandom,
    },
    lines,
  )
}

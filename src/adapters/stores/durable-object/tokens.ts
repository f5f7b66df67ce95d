import type { AccountToken, TokenPurpose } from '../../../domain/account-token.js'
import type { Instant } from '../../../domain/units.js'
import type { UserId } from '../../../domain/user.js'
import { rowToToken, type Tables } from './rows.js'

/**
 * The account tokens of a `user:<id>` object (object.ts exposes them over RPC), one row per
 * purpose: issuing replaces the purpose's older token in the same statement, and spending is one
 * `DELETE … RETURNING`, synchronous, so of two racers with one token exactly one gets it. Every
 * read applies isTokenLiveAt (src/domain/account-token.ts) as `expires_at > now`; expired rows
 * are left for the object's alarm (sweep.ts), which they wake.
 */

const inList = (n: number): string => Array.from({ length: n }, () => '?').join(', ')

export function issue(db: Tables, t: AccountToken): void {
  db.write('token').exec(
    `INSERT OR REPLACE INTO token (purpose, user_id, digest, email, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
    t.purpose,
    t.userId,
    t.digest,
    t.email,
    t.createdAt,
    t.expiresAt,
  )
}

/** Deletes and returns the live token of one of `purposes` with this digest; else changes nothing. */
export function consume(
  db: Tables,
  userId: UserId,
  digest: string,
  purposes: readonly TokenPurpose[],
  now: Instant,
): AccountToken | null {
  const sql = db.read('token')
  const wanted = [...new Set(purposes)]
  if (!sql || wanted.length === 0) return null
  const row = sql
    .exec(
      `DELETE FROM token WHERE user_id = ? AND digest = ? AND expires_at > ? AND purpose IN (${inList(wanted.length)})
       RETURNING *`,
      userId,
      digest,
      now,
      ...wanted,
    )
    .toArray()[0]
  return row ? rowToToken(row) : null
}

/** Deletes the tokens of `purposes`, or all of them. */
export function revoke(db: Tables, purposes?: readonly TokenPurpose[]): void {
  const sql = db.read('token')
  if (!sql) return
  if (purposes === undefined) sql.exec('DELETE FROM token')
  else if (purposes.length > 0) sql.exec(`DELETE FROM token WHERE purpose IN (${inList(purposes.length)})`, ...purposes)
}

export function list(db: Tables, now: Instant): AccountToken[] {
  return db.read('token')?.exec('SELECT * FROM token WHERE expires_at > ?', now).toArray().map(rowToToken) ?? []
}

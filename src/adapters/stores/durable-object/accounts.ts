import type { UserId, UserRecord } from '../../../domain/user.js'
import { rowToUser, type Tables } from './rows.js'

/**
 * The account roles of an `AuthStoreObject` as plain functions over its tables (object.ts exposes
 * them over RPC): `user:<id>` keeps the account, the source of truth; `email:<email>` claims the
 * address and keeps a copy of the account, so that `findByEmail` is one call whether or not the
 * account exists. Each function runs synchronously: no other call to the object interleaves.
 */

/** An account and its version, which counts updates; a claim's copy only ever moves forward. */
export interface Versioned {
  readonly user: UserRecord
  readonly version: number
}

// --- user:<id> ---------------------------------------------------------------------------------

export function putPending(db: Tables, user: UserRecord, now: number): void {
  db.write('account').exec(
    `INSERT INTO account (id, email, name, password_hash, created_at, pending_since) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
    user.id,
    user.email,
    user.name,
    user.passwordHash,
    user.createdAt,
    now,
  )
}

/** Confirms a pending account once its email claim is taken. */
export function confirm(db: Tables, id: UserId): void {
  db.read('account')?.exec('UPDATE account SET pending_since = NULL WHERE id = ?', id)
}

/** Drops a pending account whose email was taken; a confirmed one is never touched. */
export function discard(db: Tables, id: UserId): void {
  db.read('account')?.exec('DELETE FROM account WHERE id = ? AND pending_since IS NOT NULL', id)
}

/** The account, confirmed or still pending (its creator stopped before confirming it). */
export function lookup(db: Tables, id: UserId): { user: UserRecord; pending: boolean } | null {
  const row = db.read('account')?.exec('SELECT * FROM account WHERE id = ?', id).toArray()[0]
  return row ? { user: rowToUser(row), pending: row.pending_since !== null } : null
}

/** The confirmed account only. */
export function find(db: Tables, id: UserId): UserRecord | null {
  const found = lookup(db, id)
  return found && !found.pending ? found.user : null
}

/** Confirms a pending account that its email claim proves real, then finds it. */
export function findClaimed(db: Tables, id: UserId, email: string): UserRecord | null {
  db.read('account')?.exec(
    'UPDATE account SET pending_since = NULL WHERE id = ? AND email = ? AND pending_since IS NOT NULL',
    id,
    email,
  )
  return find(db, id)
}

/** Patches a confirmed account; the new record goes to its claim next, with the new version. */
export function update(
  db: Tables,
  id: UserId,
  patch: { name?: string | null; passwordHash?: string },
): Versioned | null {
  const row = db.read('account')?.exec('SELECT * FROM account WHERE id = ? AND pending_since IS NULL', id).toArray()[0]
  if (!row) return null
  const user: UserRecord = {
    ...rowToUser(row),
    ...(patch.name !== undefined && { name: patch.name }),
    ...(patch.passwordHash !== undefined && { passwordHash: patch.passwordHash }),
  }
  const version = Number(row.version) + 1
  db.write('account').exec(
    'UPDATE account SET name = ?, password_hash = ?, version = ? WHERE id = ?',
    user.name,
    user.passwordHash,
    version,
    id,
  )
  return { user, version }
}

// --- email:<email> -----------------------------------------------------------------------------

/** The atomic arbiter of email uniqueness. Idempotent for the user that holds the claim. */
export function claim(db: Tables, user: UserRecord, now: number): 'created' | 'email_taken' {
  const sql = db.write('claim')
  sql.exec(
    `INSERT INTO claim (email, user_id, claimed_at, name, password_hash, created_at, version)
     VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT DO NOTHING`,
    user.email,
    user.id,
    now,
    user.name,
    user.passwordHash,
    user.createdAt,
  )
  const holder = sql.exec('SELECT user_id FROM claim WHERE email = ?', user.email).one().user_id
  return holder === user.id ? 'created' : 'email_taken'
}

/** The account holding the address, from the claim's copy: what login needs, in one call. */
export function holderOf(db: Tables, email: string): UserRecord | null {
  const row = db
    .read('claim')
    ?.exec('SELECT user_id AS id, email, name, password_hash, created_at FROM claim WHERE email = ?', email)
    .toArray()[0]
  return row ? rowToUser(row) : null
}

/** Brings the copy up to `version` if it is older and the claim is this account's. */
export function syncCopy(db: Tables, user: UserRecord, version: number): void {
  db.read('claim')?.exec(
    'UPDATE claim SET name = ?, password_hash = ?, version = ? WHERE email = ? AND user_id = ? AND version < ?',
    user.name,
    user.passwordHash,
    version,
    user.email,
    user.id,
    version,
  )
}

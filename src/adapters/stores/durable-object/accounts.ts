import type { UserPatch } from '../../../application/ports.js'
import { canonicalUser, type UserId, type UserRecord } from '../../../domain/user.js'
import { disabledCell, type Row, rolesCell, rowToUser, stringList, type Tables, verifiedCell } from './rows.js'

/**
 * The account roles of an `AuthStoreObject` as plain functions over its tables (object.ts exposes
 * them over RPC): `user:<id>` keeps the account, the source of truth; `email:<email>` claims the
 * address and keeps a copy of the account, so that `findByEmail` is one call whether or not the
 * account exists. Each function runs synchronously: no other call to the object interleaves.
 * An address change and a deletion span several objects: users.ts orders their steps.
 */

/**
 * An account and its version, which counts updates (a claim's copy only ever moves forward), and
 * the addresses it moved away from whose claims may still name it (see `move`).
 */
export interface Versioned {
  readonly user: UserRecord
  readonly version: number
  readonly movedFrom: string[]
}

const versioned = (row: Row): Versioned => ({
  user: rowToUser(row),
  version: Number(row.version),
  movedFrom: stringList(row.moved_from),
})

/** The confirmed account's row. */
const confirmedRow = (db: Tables, id: UserId): Row | undefined =>
  db.read('account')?.exec('SELECT * FROM account WHERE id = ? AND pending_since IS NULL', id).toArray()[0]

// --- user:<id> ---------------------------------------------------------------------------------

export function putPending(db: Tables, user: UserRecord, now: number): void {
  db.write('account').exec(
    `INSERT INTO account (id, email, name, password_hash, created_at, pending_since, email_verified, roles,
       disabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    user.id,
    user.email,
    user.name,
    user.passwordHash,
    user.createdAt,
    now,
    verifiedCell(user.emailVerified),
    rolesCell(user.roles),
    disabledCell(user.disabled),
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
export function lookup(db: Tables, id: UserId): (Versioned & { pending: boolean }) | null {
  const row = db.read('account')?.exec('SELECT * FROM account WHERE id = ?', id).toArray()[0]
  return row ? { ...versioned(row), pending: row.pending_since !== null } : null
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

/**
 * Patches a confirmed account; the new record goes to its claim next, with the new version. With
 * `expectedHash` (the rehash's compare-and-set), only while the stored hash is that one, read and
 * written in this one synchronous step: 'changed' when it is another.
 */
export function update(db: Tables, id: UserId, patch: UserPatch, expectedHash?: string): Versioned | 'changed' | null {
  const row = confirmedRow(db, id)
  if (!row) return null
  if (expectedHash !== undefined && row.password_hash !== expectedHash) return 'changed'
  const current = rowToUser(row)
  const user = canonicalUser({
    ...current,
    ...(patch.name !== undefined && { name: patch.name }),
    ...(patch.passwordHash !== undefined && { passwordHash: patch.passwordHash }),
    ...(patch.emailVerified !== undefined && { emailVerified: patch.emailVerified }),
    roles: [...(patch.roles ?? current.roles)],
    ...(patch.disabled !== undefined && { disabled: patch.disabled }),
  })
  const version = Number(row.version) + 1
  db.write('account').exec(
    `UPDATE account SET name = ?, password_hash = ?, email_verified = ?, roles = ?, disabled = ?, version = ?
     WHERE id = ?`,
    user.name,
    user.passwordHash,
    verifiedCell(user.emailVerified),
    rolesCell(user.roles),
    disabledCell(user.disabled),
    version,
    id,
  )
  return { user, version, movedFrom: stringList(row.moved_from) }
}

/**
 * Step 2 of an address change (index.ts, `changeEmail`): moves a confirmed account to `email`,
 * verified, and adds the address it leaves to `moved_from`, so that whoever finds the account
 * next can finish the change (release those claims) should its caller stop here.
 */
export function move(db: Tables, id: UserId, email: string): Versioned | null {
  const row = confirmedRow(db, id)
  if (!row) return null
  const movedFrom = [...new Set([...stringList(row.moved_from), String(row.email)])].filter((e) => e !== email)
  const version = Number(row.version) + 1
  db.write('account').exec(
    'UPDATE account SET email = ?, email_verified = 1, moved_from = ?, version = ? WHERE id = ?',
    email,
    movedFrom.length > 0 ? JSON.stringify(movedFrom) : null,
    version,
    id,
  )
  return { user: { ...rowToUser(row), email: email as UserRecord['email'], emailVerified: true }, version, movedFrom }
}

/** Last step of an address change: those claims are released; a move since then keeps its own. */
export function settle(db: Tables, id: UserId, released: readonly string[]): void {
  const row = confirmedRow(db, id)
  if (!row) return
  const left = stringList(row.moved_from).filter((e) => !released.includes(e))
  db.write('account').exec(
    'UPDATE account SET moved_from = ? WHERE id = ?',
    left.length > 0 ? JSON.stringify(left) : null,
    id,
  )
}

/**
 * Deletes the account with its sessions and tokens, in one step; answers the addresses whose
 * claims may name it and the sessions whose `sid:` pointers are to go, or null when none was here.
 */
export function remove(db: Tables, id: UserId): { emails: string[]; sessions: string[] } | null {
  const row = db.read('account')?.exec('DELETE FROM account WHERE id = ? RETURNING *', id).toArray()[0]
  if (!row) return null
  const sessions = db.read('session')?.exec('DELETE FROM session RETURNING id').toArray() ?? []
  db.read('token')?.exec('DELETE FROM token')
  return { emails: [String(row.email), ...stringList(row.moved_from)], sessions: sessions.map((r) => String(r.id)) }
}

// --- email:<email> -----------------------------------------------------------------------------

/**
 * The atomic arbiter of email uniqueness. Idempotent for the user that holds the claim (whose row
 * it leaves as it is). A claim taken `moving` (the first step of an address change) refuses
 * everyone else at once but answers no lookup until `syncCopy` confirms it.
 */
export function claim(db: Tables, user: UserRecord, now: number, moving = false): 'created' | 'email_taken' {
  const sql = db.write('claim')
  sql.exec(
    `INSERT INTO claim (email, user_id, claimed_at, name, password_hash, created_at, version, email_verified, roles,
       moving_since, disabled) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    user.email,
    user.id,
    now,
    user.name,
    user.passwordHash,
    user.createdAt,
    verifiedCell(user.emailVerified),
    rolesCell(user.roles),
    moving ? now : null,
    disabledCell(user.disabled),
  )
  const holder = sql.exec('SELECT user_id FROM claim WHERE email = ?', user.email).one().user_id
  return holder === user.id ? 'created' : 'email_taken'
}

/** The account holding the address, from the claim's copy: what login needs, in one call. */
export function holderOf(db: Tables, email: string): UserRecord | null {
  const row = db
    .read('claim')
    ?.exec(
      `SELECT user_id AS id, email, name, password_hash, created_at, email_verified, roles, disabled FROM claim
       WHERE email = ? AND moving_since IS NULL`,
      email,
    )
    .toArray()[0]
  return row ? rowToUser(row) : null
}

/**
 * Brings the copy up to `version` if it is older and the claim is this account's, and confirms a
 * claim taken `moving` (the account now has this address: its move is past step 2).
 */
export function syncCopy(db: Tables, user: UserRecord, version: number): void {
  db.read('claim')?.exec(
    `UPDATE claim SET name = ?, password_hash = ?, email_verified = ?, roles = ?, disabled = ?, version = ?,
       moving_since = NULL WHERE email = ? AND user_id = ? AND version < ?`,
    user.name,
    user.passwordHash,
    verifiedCell(user.emailVerified),
    rolesCell(user.roles),
    disabledCell(user.disabled),
    version,
    user.email,
    user.id,
    version,
  )
}

/**
 * Releases the address if this account holds it, with a copy older than `belowVersion` when
 * given (the version that moved the account away: a copy synced since, by a move back, stays).
 */
export function release(db: Tables, email: string, userId: UserId, belowVersion?: number): void {
  db.read('claim')?.exec(
    'DELETE FROM claim WHERE email = ? AND user_id = ? AND version < ?',
    email,
    userId,
    belowVersion ?? Number.MAX_SAFE_INTEGER,
  )
}

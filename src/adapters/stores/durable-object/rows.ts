import type { AccountToken, TokenPurpose } from '../../../domain/account-token.js'
import type { Email } from '../../../domain/email.js'
import type { Session, SessionId } from '../../../domain/session.js'
import { generation, type Instant, instant } from '../../../domain/units.js'
import { canonicalUser, type UserId, type UserRecord } from '../../../domain/user.js'

/**
 * The SQLite schema of an `AuthStoreObject`, one table per role, created on first use so an
 * object only carries the tables of the role its name gives it. Instants are ms since the epoch.
 */
export const TABLES = {
  /**
   * `user:<id>`: the account (pending until its email claim is confirmed; `version` counts updates;
   * `moved_from`, a JSON array, the addresses it moved away from whose claims are not yet released)...
   */
  account: `CREATE TABLE IF NOT EXISTS account (
    id TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT, password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL, pending_since INTEGER, version INTEGER NOT NULL DEFAULT 0,
    email_verified INTEGER NOT NULL DEFAULT 0, roles TEXT NOT NULL DEFAULT '[]', moved_from TEXT,
    disabled INTEGER NOT NULL DEFAULT 0)`,
  /** ...and every session of that user, so rotation and revoke-all are local to one object. */
  session: `CREATE TABLE IF NOT EXISTS session (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, generation INTEGER NOT NULL, created_at INTEGER NOT NULL,
    rotated_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    absolute_expires_at INTEGER NOT NULL, user_agent TEXT)`,
  /** ...and the user's pending account tokens, one per purpose, so spending one is local too. */
  token: `CREATE TABLE IF NOT EXISTS token (
    purpose TEXT PRIMARY KEY, user_id TEXT NOT NULL, digest TEXT NOT NULL, email TEXT NOT NULL,
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`,
  /**
   * `email:<email>`: which user holds the address, with a copy of the account at `version`;
   * `moving_since` is set while an address change to it is unfinished (the claim then refuses
   * everyone else but answers no lookup).
   */
  claim: `CREATE TABLE IF NOT EXISTS claim (
    email TEXT PRIMARY KEY, user_id TEXT NOT NULL, claimed_at INTEGER NOT NULL,
    name TEXT, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL, version INTEGER NOT NULL,
    email_verified INTEGER NOT NULL DEFAULT 0, roles TEXT NOT NULL DEFAULT '[]', moving_since INTEGER,
    disabled INTEGER NOT NULL DEFAULT 0)`,
  /** `sid:<id>`: which user object holds the session. */
  pointer:
    'CREATE TABLE IF NOT EXISTS pointer (session_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at INTEGER NOT NULL)',
  /** `rate:<key>`: one fixed-window counter. */
  counter: 'CREATE TABLE IF NOT EXISTS counter (key TEXT PRIMARY KEY, n INTEGER NOT NULL, window_end INTEGER NOT NULL)',
} as const

export type Table = keyof typeof TABLES

/**
 * Columns added after a table first shipped, with their definitions: an object whose table
 * predates them gets them (`ALTER TABLE … ADD COLUMN`) the first time this instance touches the
 * table, so an old row reads back with the defaults (not verified, no roles, nothing to release,
 * enabled).
 */
const ADDED_COLUMNS: Readonly<Partial<Record<Table, ReadonlyArray<readonly [string, string]>>>> = {
  account: [
    ['email_verified', 'INTEGER NOT NULL DEFAULT 0'],
    ['roles', "TEXT NOT NULL DEFAULT '[]'"],
    ['moved_from', 'TEXT'],
    ['disabled', 'INTEGER NOT NULL DEFAULT 0'],
  ],
  claim: [
    ['email_verified', 'INTEGER NOT NULL DEFAULT 0'],
    ['roles', "TEXT NOT NULL DEFAULT '[]'"],
    ['moving_since', 'INTEGER'],
    ['disabled', 'INTEGER NOT NULL DEFAULT 0'],
  ],
}

/** Brings an existing table up to the current schema; a no-op for one created by `TABLES`. */
export function addMissingColumns(sql: SqlStorage, table: Table): void {
  const added = ADDED_COLUMNS[table]
  if (!added) return
  const present = new Set(
    sql
      .exec(`PRAGMA table_info(${table})`)
      .toArray()
      .map((r) => String(r.name)),
  )
  for (const [column, definition] of added) {
    if (!present.has(column)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`)
  }
}

/** An object's tables: created by the first write that needs one; absent (null) to reads until then. */
export interface Tables {
  write(table: Table): SqlStorage
  read(table: Table): SqlStorage | null
}

/** When each table's rows may be deleted, for the cleanup alarm (`?` is the current time). */
export const EXPIRY: Readonly<Record<Table, { readonly at: string; readonly expired: string } | null>> = {
  account: { at: 'pending_since + 3600000', expired: 'pending_since IS NOT NULL AND pending_since + 3600000 <= ?' },
  session: { at: 'expires_at', expired: 'expires_at <= ?' },
  // The complement of isTokenLiveAt (src/domain/account-token.ts).
  token: { at: 'expires_at', expired: 'expires_at <= ?' },
  claim: null,
  pointer: { at: 'expires_at', expired: 'expires_at <= ?' },
  counter: { at: 'window_end', expired: 'window_end <= ?' },
}

/** A pending account nobody confirmed (its creator died midway) is dropped after this long. */
export const PENDING_TTL_MS = 3_600_000

/** A row as SQLite returns it. */
export type Row = Record<string, ArrayBuffer | string | number | null>

const str = (v: unknown): string => String(v)
const num = (v: unknown): number => Number(v)
const at = (v: unknown): Instant => instant(Number(v))
const nullableStr = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

export const sessionToRow = (s: Session): unknown[] => [
  s.id,
  s.userId,
  s.generation,
  s.createdAt,
  s.rotatedAt,
  s.lastUsedAt,
  s.expiresAt,
  s.absoluteExpiresAt,
  s.userAgent,
]

export const SESSION_UPSERT = `INSERT OR REPLACE INTO session (id, user_id, generation, created_at, rotated_at,
  last_used_at, expires_at, absolute_expires_at, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

export const rowToSession = (r: Row): Session => ({
  id: str(r.id) as SessionId,
  userId: str(r.user_id) as UserId,
  generation: generation(num(r.generation)),
  createdAt: at(r.created_at),
  rotatedAt: at(r.rotated_at),
  lastUsedAt: at(r.last_used_at),
  expiresAt: at(r.expires_at),
  absoluteExpiresAt: at(r.absolute_expires_at),
  userAgent: nullableStr(r.user_agent),
})

/** A JSON array of strings as stored (`roles`, `moved_from`); NULL or anything else is `[]`. */
export const stringList = (v: unknown): string[] => {
  if (typeof v !== 'string') return []
  const parsed: unknown = JSON.parse(v)
  return Array.isArray(parsed) ? parsed.map(String) : []
}

export const rowToUser = (r: Row): UserRecord =>
  canonicalUser({
    id: str(r.id) as UserId,
    email: str(r.email) as Email,
    name: nullableStr(r.name),
    passwordHash: str(r.password_hash),
    createdAt: at(r.created_at),
    // A row from before the columns existed has their defaults (see ADDED_COLUMNS).
    emailVerified: num(r.email_verified ?? 0) === 1,
    roles: stringList(r.roles),
    disabled: num(r.disabled ?? 0) === 1,
  })

/** The stored forms of `emailVerified`, `disabled` and `roles`. */
export const verifiedCell = (v: boolean): number => (v ? 1 : 0)
export const disabledCell = (v: boolean | undefined): number => (v === true ? 1 : 0)
export const rolesCell = (roles: readonly string[]): string => JSON.stringify([...roles])

export const rowToToken = (r: Row): AccountToken => ({
  userId: str(r.user_id) as UserId,
  purpose: str(r.purpose) as TokenPurpose,
  digest: str(r.digest),
  email: str(r.email) as Email,
  createdAt: at(r.created_at),
  expiresAt: at(r.expires_at),
})

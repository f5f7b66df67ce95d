import { DurableObject } from 'cloudflare:workers'
import type { AccountToken, RateDecision, RateRule, TokenPurpose, UserPatch } from '../../../application/ports.js'
import {
  DEFAULT_MAX_SESSIONS_PER_USER,
  decideRotation,
  isLiveAt,
  type RotateOutcome,
  type RotationPolicy,
  type Session,
  sessionsBeyondCap,
} from '../../../domain/session.js'
import type { Generation, Instant } from '../../../domain/units.js'
import type { UserId, UserRecord } from '../../../domain/user.js'
import * as accounts from './accounts.js'
import * as counters from './counters.js'
import {
  addMissingColumns,
  PENDING_TTL_MS,
  rowToSession,
  SESSION_UPSERT,
  sessionToRow,
  TABLES,
  type Table,
  type Tables,
} from './rows.js'
import { sweepExpired } from './sweep.js'
import * as tokens from './tokens.js'

/** A rotation's answer: the domain's outcome, or `late` (adapter-internal, never a `RotateOutcome`). */
export type RotateReply = RotateOutcome | { readonly kind: 'late' }

/**
 * The store's Durable Object. One class plays four roles, chosen by the name the Worker-side
 * adapter (index.ts) gives each object: `user:<id>` (the account, its sessions and its tokens),
 * `email:<email>` (the claim on an address, with a copy of the account), `sid:<id>` (which user
 * holds a session) and `rate:<key>` (one counter). The account, claim and counter roles are in
 * accounts.ts, tokens.ts and counters.ts; the methods here are what the Worker calls. See
 * docs/storage-schema.md.
 *
 * Atomicity: every check-and-set below reads and writes SQLite synchronously, with no `await`
 * between the read and the write, so no other call to the object can interleave (a Durable
 * Object runs one event at a time and its SQLite calls do not yield); `transactionSync` makes a
 * multi-statement step all-or-nothing. The only awaits come after the step, to schedule the
 * cleanup alarm. Expired rows vanish on access (by the caller's clock) and on the alarm.
 *
 * A table is created by the first write that needs it; reads of a table that does not exist
 * answer "nothing" without creating it, so looking up an unknown email or session id leaves no
 * object behind. A table that predates a column gets it when this instance first touches it
 * (`addMissingColumns`).
 */
export class AuthStoreObject extends DurableObject {
  private readonly known = new Set<Table>()
  private readonly db: Tables = { write: (t) => this.write(t), read: (t) => this.read(t) }

  /** The table, created if needed: for writes. */
  private write(table: Table): SqlStorage {
    if (!this.known.has(table)) {
      this.ctx.storage.sql.exec(TABLES[table])
      addMissingColumns(this.ctx.storage.sql, table)
      this.known.add(table)
    }
    return this.ctx.storage.sql
  }

  /** The table if it exists, else null (and nothing is written): for reads. */
  private read(table: Table): SqlStorage | null {
    if (this.known.has(table)) return this.ctx.storage.sql
    const found = this.ctx.storage.sql
      .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", table)
      .toArray()
    if (found.length === 0) return null
    addMissingColumns(this.ctx.storage.sql, table)
    this.known.add(table)
    return this.ctx.storage.sql
  }

  /** Makes sure the alarm fires by `at`. */
  private async wakeBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm()
    if (current === null || at < current) await this.ctx.storage.setAlarm(at)
  }

  ping(): 'ok' {
    this.ctx.storage.sql.exec('SELECT 1')
    return 'ok'
  }

  // --- user:<id> — the account (accounts.ts) ----------------------------------------------

  /** Writes the account as pending: invisible until its email claim is confirmed. */
  async userPutPending(user: UserRecord, now: Instant): Promise<void> {
    accounts.putPending(this.db, user, now)
    await this.wakeBy(now + PENDING_TTL_MS)
  }

  userConfirm(id: UserId): void {
    accounts.confirm(this.db, id)
  }

  /** Drops a pending account whose email was taken; a confirmed one is never touched. */
  userDiscard(id: UserId): void {
    accounts.discard(this.db, id)
  }

  userFind(id: UserId): UserRecord | null {
    return accounts.find(this.db, id)
  }

  /** The account even while pending, and whether it is: the adapter asks the claim about a pending one. */
  userLookup(id: UserId): (accounts.Versioned & { pending: boolean }) | null {
    return accounts.lookup(this.db, id)
  }

  /** Reached through the email claim, which proves a pending account is real: confirms it. */
  userFindClaimed(id: UserId, email: string): UserRecord | null {
    return accounts.findClaimed(this.db, id, email)
  }

  /** With `expectedHash`, only while the stored hash is that one (`replacePasswordHash`). */
  userUpdate(id: UserId, patch: UserPatch, expectedHash?: string): accounts.Versioned | 'changed' | null {
    return accounts.update(this.db, id, patch, expectedHash)
  }

  /** An address change, step 2 (see `changeEmail` in index.ts). */
  userMoveEmail(id: UserId, email: string): accounts.Versioned | null {
    return accounts.move(this.db, id, email)
  }

  /** An address change, last step: the claims of `released` no longer name this account. */
  userSettleMove(id: UserId, released: readonly string[]): void {
    accounts.settle(this.db, id, released)
  }

  /** Deletes the account, its sessions and tokens in one step; the alarm then deletes the object. */
  async userDelete(id: UserId): Promise<{ emails: string[]; sessions: string[] } | null> {
    const removed = this.ctx.storage.transactionSync(() => accounts.remove(this.db, id))
    if (removed) await this.wakeBy(Date.now())
    return removed
  }

  // --- user:<id> — its sessions ------------------------------------------------------------

  /**
   * Stores the session and, in the same transaction, revokes this user's oldest other live
   * sessions beyond `maxPerUser`; answers their ids, whose `sid:` pointers the adapter drops.
   */
  async sessionCreate(session: Session, maxPerUser = DEFAULT_MAX_SESSIONS_PER_USER): Promise<string[]> {
    const evicted = this.ctx.storage.transactionSync(() => {
      const sql = this.write('session')
      sql.exec(SESSION_UPSERT, ...sessionToRow(session))
      // `expires_at > ?` mirrors isLiveAt (src/domain/session.ts) at the session's creation.
      const others = sql
        .exec('SELECT id, created_at FROM session WHERE id <> ? AND expires_at > ?', session.id, session.createdAt)
        .toArray()
        .map((r) => ({ id: String(r.id), createdAt: Number(r.created_at) }))
      const beyond = sessionsBeyondCap(others, maxPerUser).map((s) => s.id)
      for (const id of beyond) sql.exec('DELETE FROM session WHERE id = ?', id)
      return beyond
    })
    await this.wakeBy(session.expiresAt)
    return evicted
  }

  private liveSession(id: string, now: Instant): Session | null {
    const sql = this.read('session')
    if (!sql) return null
    // The SQL form of isLiveAt (src/domain/session.ts): a session is live while expires_at > now.
    sql.exec('DELETE FROM session WHERE id = ? AND expires_at <= ?', id, now)
    const row = sql.exec('SELECT * FROM session WHERE id = ?', id).toArray()[0]
    return row ? rowToSession(row) : null
  }

  sessionFind(id: string, now: Instant): Session | null {
    return this.liveSession(id, now)
  }

  /**
   * `decideRotation` applied in one synchronous transaction: racers queue behind each other.
   * A call arriving past `deadline` (ms, this object's clock) touches nothing and answers `late`:
   * its caller has given up on it, and a rotation the client never heard of must not count
   * against it. Callers from before the deadline existed send none.
   */
  async sessionRotate(
    id: string,
    from: Generation,
    now: Instant,
    policy: RotationPolicy,
    deadline?: number,
  ): Promise<RotateReply> {
    if (deadline !== undefined && Date.now() > deadline) return { kind: 'late' }
    const outcome = this.ctx.storage.transactionSync(() => {
      const { outcome, next } = decideRotation(this.liveSession(id, now), from, now, policy)
      if (outcome.kind === 'rotated' && next) this.write('session').exec(SESSION_UPSERT, ...sessionToRow(next))
      if (outcome.kind === 'reused') this.write('session').exec('DELETE FROM session WHERE id = ?', id)
      return outcome
    })
    if (outcome.kind === 'rotated') await this.wakeBy(outcome.session.expiresAt)
    return outcome
  }

  sessionRevoke(id: string): UserId | null {
    const row = this.read('session')?.exec('DELETE FROM session WHERE id = ? RETURNING user_id', id).toArray()[0]
    return row ? (String(row.user_id) as UserId) : null
  }

  /** Revokes every session here but `except`; returns the ids of those that were still live. */
  sessionRevokeAll(now: Instant, except?: string): string[] {
    const rows =
      this.read('session')
        ?.exec('DELETE FROM session WHERE id IS NOT ? RETURNING *', except ?? null)
        .toArray() ?? []
    return rows
      .map(rowToSession)
      .filter((s) => isLiveAt(s, now))
      .map((s) => s.id)
  }

  sessionList(now: Instant): Session[] {
    const sql = this.read('session')
    if (!sql) return []
    // The complement of isLiveAt, as in liveSession: what is left is live at `now`.
    sql.exec('DELETE FROM session WHERE expires_at <= ?', now)
    return sql.exec('SELECT * FROM session').toArray().map(rowToSession)
  }

  // --- user:<id> — its account tokens (tokens.ts) -------------------------------------------

  async tokenIssue(token: AccountToken): Promise<void> {
    tokens.issue(this.db, token)
    await this.wakeBy(token.expiresAt)
  }

  tokenConsume(userId: UserId, digest: string, purposes: readonly TokenPurpose[], now: Instant): AccountToken | null {
    return tokens.consume(this.db, userId, digest, purposes, now)
  }

  tokenRevoke(purposes?: readonly TokenPurpose[]): void {
    tokens.revoke(this.db, purposes)
  }

  tokenList(now: Instant): AccountToken[] {
    return tokens.list(this.db, now)
  }

  // --- email:<email> (accounts.ts) ------------------------------------------------------------

  /** The atomic arbiter of email uniqueness; the claim keeps a copy of the account. */
  emailClaim(user: UserRecord, now: Instant, moving = false): 'created' | 'email_taken' {
    return accounts.claim(this.db, user, now, moving)
  }

  emailRelease(email: string, userId: UserId, belowVersion?: number): void {
    accounts.release(this.db, email, userId, belowVersion)
  }

  /** The account holding the address (the claim's copy), or null: one call either way. */
  emailLookup(email: string): UserRecord | null {
    return accounts.holderOf(this.db, email)
  }

  /** Brings the claim's copy up to an update of its account; an older version never overwrites. */
  emailSync(user: UserRecord, version: number): void {
    accounts.syncCopy(this.db, user, version)
  }

  // --- sid:<id> ------------------------------------------------------------------------------

  async pointerSet(sessionId: string, userId: UserId, expiresAt: Instant): Promise<void> {
    this.write('pointer').exec(
      'INSERT INTO pointer (session_id, user_id, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      sessionId,
      userId,
      expiresAt,
    )
    await this.wakeBy(expiresAt)
  }

  pointerGet(sessionId: string): UserId | null {
    const row = this.read('pointer')?.exec('SELECT user_id FROM pointer WHERE session_id = ?', sessionId).toArray()[0]
    return row ? (String(row.user_id) as UserId) : null
  }

  pointerDelete(sessionId: string): void {
    this.read('pointer')?.exec('DELETE FROM pointer WHERE session_id = ?', sessionId)
  }

  // --- rate:<key> (counters.ts) ----------------------------------------------------------------

  async rateHit(key: string, rule: RateRule, now: Instant): Promise<RateDecision> {
    const { decision, opened } = counters.hit(this.db, key, rule, now)
    if (opened !== null) await this.wakeBy(opened)
    return decision
  }

  rateReset(key: string): void {
    counters.reset(this.db, key)
  }

  // --- cleanup -------------------------------------------------------------------------------

  /** Deletes what has expired; an object left with nothing is deleted whole. */
  override async alarm(): Promise<void> {
    const now = Date.now()
    const { remaining, next } = this.ctx.storage.transactionSync(() => sweepExpired(this.ctx.storage.sql, now))
    if (remaining === 0) {
      await this.ctx.storage.deleteAll()
      this.known.clear()
    } else if (Number.isFinite(next)) {
      await this.ctx.storage.setAlarm(Math.max(next, now + 1000))
    }
  }
}

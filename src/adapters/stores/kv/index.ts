import type { SessionStore, Stores, TokenStore, UserRepository } from '../../../application/ports.js'
import {
  DEFAULT_MAX_SESSIONS_PER_USER,
  decideRotation,
  isLiveAt,
  type Session,
  type SessionId,
  sessionsBeyondCap,
} from '../../../domain/session.js'
import { type Instant, instant } from '../../../domain/units.js'
import { canonicalUser, type UserId, type UserRecord } from '../../../domain/user.js'
import { fitsInBytes } from '../key-size.js'
import { DEFAULT_STORE_TIMEOUT_MS, guarded } from '../outage.js'

/** The smallest shape of a Workers KV namespace this adapter needs. */
export interface KvLike {
  get(key: string): Promise<string | null>
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>
  delete(key: string): Promise<void>
  list(options: { prefix: string; cursor?: string | null }): Promise<{
    keys: ReadonlyArray<{ name: string }>
    list_complete: boolean
    cursor?: string
  }>
}

export interface KvStoreOptions {
  /**
   * Where rate limits live. KV cannot count atomically (a read-modify-write per hit, 1 write/s per
   * key), and docs/security.md keeps counters in an atomic store, so pass the Durable Object store here.
   */
  readonly rateLimits: Pick<Stores, 'limiter' | 'health'>
  /**
   * Where account tokens live. Spending one must be atomic (two racers with one link: one wins),
   * which KV cannot do, so pass the Durable Object store's `tokens` here, as for `rateLimits`.
   */
  readonly tokens: TokenStore
  /** Prepended to every key: a separate store in the same namespace (tenants, tests). */
  readonly prefix?: string
  readonly timeoutMs?: number
}

/** KV refuses an `expirationTtl` under 60 s; a record's own `expiresAt` is checked on every read. */
export const MIN_KV_TTL = 60
export const kvTtl = (expiresAt: number, now = Date.now()): number =>
  Math.max(MIN_KV_TTL, Math.ceil((expiresAt - now) / 1000))

/** KV refuses longer keys (UTF-8 bytes); nothing is stored under one, so a lookup by one finds nothing. */
export const MAX_KV_KEY_BYTES = 512

/** An account as stored: one written before `emailVerified`, `roles` and `disabled` existed has none. */
type StoredUser = Omit<UserRecord, 'emailVerified' | 'roles'> & Partial<Pick<UserRecord, 'emailVerified' | 'roles'>>

/** The account a stored record is, the fields it predates at their defaults (not verified, no roles, enabled). */
const asUser = (stored: StoredUser | null): UserRecord | null =>
  stored && canonicalUser({ ...stored, emailVerified: stored.emailVerified ?? false, roles: stored.roles ?? [] })

/** KV answers 429 to a second write of one key within a second. */
const isWriteRateLimited = (err: unknown): boolean => /\b429\b|too many requests/i.test(String(err))

/**
 * Users and sessions in Workers KV: best effort, and honest about it. KV is eventually consistent
 * (another location may read a value up to 60 s old) and has no compare-and-set, so:
 * - two registrations racing for one email in that window can both succeed (the later claim wins;
 *   the other account is unreachable by email);
 * - racing rotations of one session converge: they all write generation g+1, so every racer holds
 *   the same (derived) refresh token; a racer refused by KV's 1-write-per-second limit returns
 *   the state the others wrote;
 * - reuse detection and revocation can lag by up to 60 s in other locations, and a location that
 *   reads an older generation than the client presents answers `missing` (see `rotate`);
 * - `email:` keeps a copy of the account, so `findByEmail` is one read whether or not it exists;
 * - `changeEmail` is best effort: it reads the new address free, writes its `email:` key (the
 *   claim), then `user:`, then deletes the old `email:` key. A change racing a registration of the
 *   same address (or another change to it) within the propagation window can both win: the later
 *   `email:` write holds the address and the other account is unreachable by it. For up to 60 s
 *   another location may still find the account by the old address (and log in with it), or
 *   still refuse the old address to a registration. Stopped midway, both addresses find the
 *   account; retried, the change completes (its `email:` key is its own);
 * - `replacePasswordHash` (the rehash after a login) is a read and a write, not a compare-and-set:
 *   a reset landing in the milliseconds between them is lost;
 * - `delete` is best effort: it deletes the `email:` key (if it still holds this account), the
 *   user's sessions (as listed by the eventually consistent index: a session created moments
 *   before may be missed, and lives out its expiry for an account that no longer exists), its
 *   tokens, then `user:`, last, so a retry after a failure finds the account and completes. Other
 *   locations may still find the account by email, and accept its sessions, for up to 60 s.
 * Rate limits and account tokens stay in an atomic store (`rateLimits`, `tokens`: the Durable
 * Object store's, in the Worker). Key layout: docs/storage-schema.md.
 */
export function createKvStores(kv: KvLike, opts: KvStoreOptions): Stores {
  const p = opts.prefix ?? ''
  const timeoutMs = opts.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS
  const call = <T>(op: () => Promise<T>): Promise<T> => guarded(op, { timeoutMs })
  const key = {
    user: (id: string) => `${p}user:${id}`,
    email: (email: string) => `${p}email:${email}`,
    session: (id: string) => `${p}session:${id}`,
    userSessions: (userId: string) => `${p}user-sessions:${userId}:`,
  }
  const fits = (k: string) => fitsInBytes(k, MAX_KV_KEY_BYTES)
  /** Every lookup goes through here or `listNames`: a key KV would refuse is "not found", uncalled. */
  const readJson = async <T>(k: string): Promise<T | null> => {
    const raw = fits(k) ? await call(() => kv.get(k)) : null
    return raw === null ? null : (JSON.parse(raw) as T)
  }
  const put = (k: string, value: string, expiresAt?: number) =>
    call(() => kv.put(k, value, expiresAt === undefined ? {} : { expirationTtl: kvTtl(expiresAt) }))
  const del = (k: string) => call(() => kv.delete(k))
  const listNames = async (prefix: string): Promise<string[]> => {
    const names: string[] = []
    if (!fits(prefix)) return names // a key under it would be longer still
    let cursor: string | undefined
    do {
      const page = await call(() => kv.list({ prefix, cursor: cursor ?? null }))
      names.push(...page.keys.map((k) => k.name))
      cursor = page.list_complete ? undefined : page.cursor
    } while (cursor)
    return names
  }
  const sessionIdsOf = async (userId: UserId): Promise<SessionId[]> => {
    const prefix = key.userSessions(userId)
    return (await listNames(prefix)).map((name) => name.slice(prefix.length) as SessionId)
  }
  const forget = async (s: Pick<Session, 'id' | 'userId'>): Promise<void> => {
    await Promise.all([del(key.session(s.id)), del(key.userSessions(s.userId) + s.id)])
  }

  /** The account as `user:` (the source of truth) has it. */
  const findById = async (id: UserId): Promise<UserRecord | null> => asUser(await readJson<StoredUser>(key.user(id)))
  /** The account whose copy `email:` holds, if it holds this address. */
  const holderOf = async (email: string): Promise<UserRecord | null> => {
    const user = asUser(await readJson<StoredUser>(key.email(email)))
    return user && user.email === email ? user : null
  }
  const refuseLongKeys = (...keys: string[]): void => {
    if (!keys.every(fits)) throw new Error('KV key too long for an account: a prefix, id or email beyond 512 bytes')
  }

  const update: UserRepository['update'] = async (id, patch) => {
    const current = await findById(id)
    if (!current) return null
    const next = canonicalUser({ ...current, ...patch, roles: [...(patch.roles ?? current.roles)] })
    const copy = await holderOf(current.email)
    await put(key.user(id), JSON.stringify(next))
    // The copy follows, unless another account took the address in a registration race.
    if (copy?.id === id) await put(key.email(current.email), JSON.stringify(next))
    return next
  }

  /**
   * Best effort, as KV has no compare-and-set: reads the account and writes only if it still has
   * `expected`. A change that lands between the read and the write (milliseconds, against the
   * whole verification before the read) is still overwritten, as is one from another location that
   * this location does not see yet (up to 60 s); a change landing after the write wins, and login's
   * own re-read (src/application/login.ts) then refuses.
   */
  const replacePasswordHash: UserRepository['replacePasswordHash'] = async (id, expected, next) => {
    const current = await findById(id)
    if (current?.passwordHash !== expected) return current && 'changed'
    return update(id, { passwordHash: next })
  }

  /** Deletes the old address's key if it still holds this account (not one that took it since). */
  const release = async (email: string, id: UserId): Promise<void> => {
    if ((await holderOf(email))?.id === id) await del(key.email(email))
  }

  const users: UserRepository = {
    async create(user) {
      // Not atomic: see above. The record goes first, so an email key never names a missing user.
      // Keys KV would refuse cannot be stored: such an account is refused before any write.
      refuseLongKeys(key.email(user.email), key.user(user.id))
      if ((await readJson<StoredUser>(key.email(user.email))) !== null) return 'email_taken'
      const stored = JSON.stringify(canonicalUser(user))
      await put(key.user(user.id), stored)
      await put(key.email(user.email), stored)
      return 'created'
    },
    // One read, known email or not: the email key holds a copy of the account (docs/security.md: login
    // timing must not tell which accounts exist).
    findByEmail: holderOf,
    findById,
    update,
    replacePasswordHash,
    async changeEmail(id, email) {
      // Best effort, in the order of the Durable Object store (see above): the new address's key,
      // then the account, then the old address's key.
      const current = await findById(id)
      if (!current) return null
      if (current.email === email) return update(id, { emailVerified: true })
      refuseLongKeys(key.email(email))
      const holder = asUser(await readJson<StoredUser>(key.email(email)))
      if (holder && holder.id !== id) return 'email_taken'
      const next: UserRecord = { ...current, email, emailVerified: true }
      await put(key.email(email), JSON.stringify(next))
      await put(key.user(id), JSON.stringify(next))
      await release(current.email, id)
      return next
    },
    async delete(id) {
      // The account's record goes last: a retry after a failure midway finds it and completes.
      const current = await findById(id)
      if (!current) return false
      await release(current.email, id)
      await revokeSessions(id, instant(Date.now()))
      await opts.tokens.revokeForUser(id)
      await del(key.user(id))
      return true
    },
  }

  const live = async (id: SessionId, now: Instant): Promise<Session | null> => {
    const s = await readJson<Session>(key.session(id))
    return s && isLiveAt(s, now) ? s : null
  }

  /** Every session of the user but `except`; how many were live at `now`. */
  async function revokeSessions(userId: UserId, now: Instant, except?: SessionId): Promise<number> {
    const ids = (await sessionIdsOf(userId)).filter((id) => id !== except)
    const found = await Promise.all(ids.map((id) => readJson<Session>(key.session(id))))
    await Promise.all(ids.map((id) => forget({ id, userId })))
    return found.filter((s) => s !== null && isLiveAt(s, now)).length
  }

  const sessions: SessionStore = {
    async create(session, limits) {
      // The per-user cap, best effort (the index is listed by prefix, eventually consistent, and
      // nothing here is atomic): once the index lists as many others as the cap, the user's oldest
      // live ones beyond it are forgotten before the new session is written. An entry whose
      // session reads as gone is left alone (it may be a create not yet visible here).
      const maxPerUser = limits?.maxPerUser ?? DEFAULT_MAX_SESSIONS_PER_USER
      const others = (await sessionIdsOf(session.userId)).filter((id) => id !== session.id)
      if (others.length >= maxPerUser) {
        const found = await Promise.all(others.map((id) => live(id, session.createdAt)))
        const mine = found.filter((s): s is Session => s !== null && s.userId === session.userId)
        await Promise.all(sessionsBeyondCap(mine, maxPerUser).map(forget))
      }
      await Promise.all([
        put(key.session(session.id), JSON.stringify(session), session.expiresAt),
        // The index entry lives as long as the session possibly can; a stale one is skipped on read.
        put(key.userSessions(session.userId) + session.id, '', session.absoluteExpiresAt),
      ])
    },
    find: live,
    async rotate(id, from, now, policy) {
      const current = await live(id, now)
      // A generation ahead of the one read here: the server issued it (the MAC says so), so this
      // location reads a stale value. Not reuse: nothing is revoked or written (a write would be
      // based on the stale value); the client keeps its cookie and retries once KV has caught up.
      if (current && from > current.generation) return { kind: 'missing' }
      const { outcome, next } = decideRotation(current, from, now, policy)
      if (outcome.kind === 'rotated' && next) {
        try {
          await call(() => kv.put(key.session(id), JSON.stringify(next), { expirationTtl: kvTtl(next.expiresAt) }))
        } catch (err) {
          // Another racer wrote this key within the second: it wrote this same generation.
          if (!isWriteRateLimited((err as Error).cause)) throw err
        }
      }
      if (outcome.kind === 'reused') await forget({ id, userId: outcome.userId })
      return outcome
    },
    async revoke(id) {
      const s = await readJson<Session>(key.session(id))
      if (!s) return null
      await forget(s)
      return s.userId
    },
    revokeAllForUser: revokeSessions,
    async listForUser(userId, now) {
      const ids = await sessionIdsOf(userId)
      const found = await Promise.all(ids.map((id) => live(id, now)))
      return found.filter((s): s is Session => s !== null && s.userId === userId)
    },
  }

  return {
    users,
    sessions,
    limiter: opts.rateLimits.limiter,
    tokens: opts.tokens,
    health: {
      kind: 'kv',
      async ping() {
        await Promise.all([call(() => kv.get(`${p}health`)), opts.rateLimits.health.ping()])
      },
    },
  }
}

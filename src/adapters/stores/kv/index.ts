import type { SessionStore, Stores, UserRepository } from '../../../application/ports.js'
import {
  DEFAULT_MAX_SESSIONS_PER_USER,
  decideRotation,
  isLiveAt,
  type Session,
  type SessionId,
  sessionsBeyondCap,
} from '../../../domain/session.js'
import type { Instant } from '../../../domain/units.js'
import type { UserId, UserRecord } from '../../../domain/user.js'
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
 * - `email:` keeps a copy of the account, so `findByEmail` is one read whether or not it exists.
 * Rate limits stay in an atomic store (`rateLimits`). Key layout: docs/storage-schema.md.
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

  const users: UserRepository = {
    async create(user) {
      // Not atomic: see above. The record goes first, so an email key never names a missing user.
      // Keys KV would refuse cannot be stored: such an account is refused before any write.
      if (!fits(key.email(user.email)) || !fits(key.user(user.id))) {
        throw new Error('KV key too long for an account: a prefix, id or email beyond 512 bytes')
      }
      if ((await readJson<UserRecord>(key.email(user.email))) !== null) return 'email_taken'
      await put(key.user(user.id), JSON.stringify(user))
      await put(key.email(user.email), JSON.stringify(user))
      return 'created'
    },
    async findByEmail(email) {
      // One read, known email or not: the email key holds a copy of the account (docs/security.md: login
      // timing must not tell which accounts exist).
      const user = await readJson<UserRecord>(key.email(email))
      return user && user.email === email ? user : null
    },
    findById: (id) => readJson<UserRecord>(key.user(id)),
    async update(id, patch) {
      const current = await readJson<UserRecord>(key.user(id))
      if (!current) return null
      const next = { ...current, ...patch }
      const copy = await readJson<UserRecord>(key.email(current.email))
      await put(key.user(id), JSON.stringify(next))
      // The copy follows, unless another account took the address in a registration race.
      if (copy?.id === id) await put(key.email(current.email), JSON.stringify(next))
      return next
    },
  }

  const live = async (id: SessionId, now: Instant): Promise<Session | null> => {
    const s = await readJson<Session>(key.session(id))
    return s && isLiveAt(s, now) ? s : null
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
    async revokeAllForUser(userId, now) {
      const ids = await sessionIdsOf(userId)
      const found = await Promise.all(ids.map((id) => readJson<Session>(key.session(id))))
      await Promise.all(ids.map((id) => forget({ id, userId })))
      return found.filter((s) => s !== null && isLiveAt(s, now)).length
    },
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
    health: {
      kind: 'kv',
      async ping() {
        await Promise.all([call(() => kv.get(`${p}health`)), opts.rateLimits.health.ping()])
      },
    },
  }
}

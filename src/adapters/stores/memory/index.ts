import type { RateLimiter, SessionStore, Stores, TokenStore, UserRepository } from '../../../application/ports.js'
import { type AccountToken, isTokenLiveAt, type TokenPurpose } from '../../../domain/account-token.js'
import type { Email } from '../../../domain/email.js'
import { decideHit, type RateWindow } from '../../../domain/rate-window.js'
import {
  DEFAULT_MAX_SESSIONS_PER_USER,
  decideRotation,
  type Session,
  type SessionId,
  sessionsBeyondCap,
} from '../../../domain/session.js'
import { canonicalUser, type UserId, type UserRecord } from '../../../domain/user.js'
import { BoundedExpiringMap } from '../../bounded-map.js'
import { storeUnavailable } from '../outage.js'

export interface MemoryLimits {
  readonly maxUsers: number
  readonly maxSessions: number
  readonly maxRateKeys: number
  readonly maxTokens: number
}

const DEFAULT_LIMITS: MemoryLimits = {
  maxUsers: 100_000,
  maxSessions: 200_000,
  maxRateKeys: 100_000,
  maxTokens: 100_000,
}

const PURPOSES: readonly TokenPurpose[] = ['verify_email', 'change_email', 'reset_password']

/**
 * Users, sessions and rate limits in this process's memory: for development, tests and a single
 * instance. Every check-and-set runs without an `await` inside, so it is atomic on one event loop.
 * Sessions and counters expire and are bounded; past the user bound registration is refused,
 * past the counter bound a request that needs a new counter, and past the session bound a new
 * session (no one's is evicted). Per user, a new session past the cap revokes that user's oldest.
 */
export function createMemoryStores(limits: Partial<MemoryLimits> = {}): Stores {
  const { maxUsers, maxSessions, maxRateKeys, maxTokens } = { ...DEFAULT_LIMITS, ...limits }
  const users = new Map<UserId, UserRecord>()
  const byEmail = new Map<Email, UserId>()
  const byUser = new Map<UserId, Set<SessionId>>()
  // Full of live sessions, a new one is refused (503): no user's session is pushed out by others'.
  const sessions = new BoundedExpiringMap<SessionId, Session>(
    maxSessions,
    (id, s) => {
      const ids = byUser.get(s.userId)
      ids?.delete(id)
      if (ids?.size === 0) byUser.delete(s.userId)
    },
    'refuse',
  )
  // A live lockout counter is never pushed out: flooding other keys must not end a lockout. When
  // every one is live, a new key is refused as an outage (503) instead. Throttles that may be
  // forgotten (`RateRule.mayForget`: per client IP) have a map of their own that drops its oldest,
  // so a flood of new addresses neither fills the lockouts' room nor stops every other client.
  const counters = new BoundedExpiringMap<string, RateWindow>(maxRateKeys, undefined, 'refuse')
  const forgettable = new BoundedExpiringMap<string, RateWindow>(maxRateKeys, undefined, 'evict-oldest')
  // Mail limits, which any address can open, refuse in room of their own: filled, they stop mail only.
  const mailCounters = new BoundedExpiringMap<string, RateWindow>(maxRateKeys, undefined, 'refuse')

  const userRepo: UserRepository = {
    async create(user) {
      if (byEmail.has(user.email)) return 'email_taken'
      if (users.size >= maxUsers) throw storeUnavailable('full')
      users.set(user.id, canonicalUser(user))
      byEmail.set(user.email, user.id)
      return 'created'
    },
    async findByEmail(email) {
      const id = byEmail.get(email)
      return id ? (users.get(id) ?? null) : null
    },
    async findById(id) {
      return users.get(id) ?? null
    },
    async update(id, patch) {
      const current = users.get(id)
      if (!current) return null
      const next = canonicalUser({ ...current, ...patch, roles: [...(patch.roles ?? current.roles)] })
      users.set(id, next)
      return next
    },
    async replacePasswordHash(id, expected, next) {
      const current = users.get(id)
      if (!current) return null
      if (current.passwordHash !== expected) return 'changed'
      const replaced = { ...current, passwordHash: next }
      users.set(id, replaced)
      return replaced
    },
    async changeEmail(id, email) {
      const current = users.get(id)
      if (!current) return null
      const holder = byEmail.get(email)
      if (holder !== undefined && holder !== id) return 'email_taken'
      byEmail.delete(current.email)
      const next = { ...current, email, emailVerified: true }
      users.set(id, next)
      byEmail.set(email, id)
      return next
    },
    async delete(id) {
      const current = users.get(id)
      if (!current) return false
      users.delete(id)
      byEmail.delete(current.email)
      return true
    },
  }

  /**
   * The session if it is live at `now`. The map's expiry for it is its `expiresAt`, so the map
   * drops it exactly when `isLiveAt` (src/domain/session.ts) turns false: no second check.
   */
  const live = (id: SessionId, now: number): Session | null => sessions.get(id, now) ?? null

  /** False when the map is full of live sessions and `s` is a new one: nothing stored. */
  const put = (s: Session, now: number): boolean => {
    if (!sessions.set(s.id, s, s.expiresAt, now)) return false
    const ids = byUser.get(s.userId) ?? new Set<SessionId>()
    ids.add(s.id)
    byUser.set(s.userId, ids)
    return true
  }

  const sessionStore: SessionStore = {
    async create(session, limits) {
      const now = session.createdAt
      const others = [...(byUser.get(session.userId) ?? [])]
        .filter((id) => id !== session.id)
        .map((id) => live(id, now))
        .filter((s): s is Session => s !== null)
      // A user at the cap makes room among their own sessions only (which also frees a place when
      // the map is full); a user below it, with the map full, is refused without anything revoked.
      const maxPerUser = limits?.maxPerUser ?? DEFAULT_MAX_SESSIONS_PER_USER
      for (const old of sessionsBeyondCap(others, maxPerUser)) sessions.delete(old.id)
      if (!put({ ...session }, now)) throw storeUnavailable('full')
    },
    async find(id, now) {
      return live(id, now)
    },
    async rotate(id, from, now, policy) {
      const { outcome, next } = decideRotation(live(id, now), from, now, policy)
      if (outcome.kind === 'rotated' && next) put(next, now)
      if (outcome.kind === 'reused') sessions.delete(id)
      return outcome
    },
    async revoke(id) {
      return sessions.delete(id)?.userId ?? null
    },
    async revokeAllForUser(userId, now, except) {
      const ids = [...(byUser.get(userId) ?? [])].filter((id) => id !== except)
      const wasLive = ids.filter((id) => live(id, now) !== null).length
      for (const id of ids) sessions.delete(id)
      return wasLive
    },
    async listForUser(userId, now) {
      const ids = [...(byUser.get(userId) ?? [])]
      return ids.map((id) => live(id, now)).filter((s): s is Session => s !== null)
    },
  }

  const limiter: RateLimiter = {
    async hit(key, rule, now) {
      const map = rule.mayForget ? forgettable : rule.room === 'mail' ? mailCounters : counters
      const { next, decision } = decideHit(map.get(key, now) ?? null, rule, now)
      if (!map.set(key, next, next.end, now)) throw storeUnavailable('full')
      return decision
    },
    async reset(key) {
      counters.delete(key)
      forgettable.delete(key)
      mailCounters.delete(key)
    },
  }

  // One pending token per user and purpose, kept until its own expiry. Full of live tokens, a new
  // one is refused (503) rather than another user's link voided.
  const tokens = new BoundedExpiringMap<string, AccountToken>(maxTokens, undefined, 'refuse')
  const tokenKey = (userId: UserId, purpose: TokenPurpose) => `${userId}\u0000${purpose}`
  const tokenStore: TokenStore = {
    async issue(token) {
      if (!tokens.set(tokenKey(token.userId, token.purpose), { ...token }, token.expiresAt, token.createdAt)) {
        throw storeUnavailable('full')
      }
    },
    async consume(userId, digest, purposes, now) {
      for (const purpose of purposes) {
        const key = tokenKey(userId, purpose)
        const found = tokens.get(key, now)
        if (found && found.digest === digest && isTokenLiveAt(found, now)) {
          tokens.delete(key)
          return found
        }
      }
      return null
    },
    async revokeForUser(userId, purposes = PURPOSES) {
      for (const purpose of purposes) tokens.delete(tokenKey(userId, purpose))
    },
    async listForUser(userId, now) {
      return PURPOSES.map((p) => tokens.get(tokenKey(userId, p), now)).filter((t): t is AccountToken => t !== undefined)
    },
  }

  return {
    users: userRepo,
    sessions: sessionStore,
    limiter,
    tokens: tokenStore,
    health: { kind: 'memory', ping: async () => {} },
  }
}

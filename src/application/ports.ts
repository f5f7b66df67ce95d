import type { Email } from '../domain/email.js'
import type { RateDecision, RateRule } from '../domain/rate-window.js'
import type { RotateOutcome, RotationPolicy, Session, SessionId } from '../domain/session.js'
import type { Generation, Instant } from '../domain/units.js'
import type { UserId, UserRecord } from '../domain/user.js'
import type { MailMessage } from './mail.js'

/**
 * Ports: what the use cases need from the outside, in domain verbs. Every method may throw
 * `UnavailableError` when its backend is unreachable; expected outcomes are return values.
 * The behaviour of the three storage ports is pinned by test/contract/stores.contract.ts.
 */

/** Accounts keyed by id, with the email unique across them. */
export interface UserRepository {
  /** Stores the user unless the email is taken; atomic, so two racers never both win. */
  create(user: UserRecord): Promise<'created' | 'email_taken'>
  findByEmail(email: Email): Promise<UserRecord | null>
  findById(id: UserId): Promise<UserRecord | null>
  /** Applies the patch and returns the new record, or null when the user does not exist. */
  update(id: UserId, patch: { name?: string | null; passwordHash?: string }): Promise<UserRecord | null>
}

/** Sessions keyed by id and indexed by user. Expired sessions are gone for every method. */
export interface SessionStore {
  /**
   * Stores a new session. When the user would then hold more than `maxPerUser` live sessions
   * (default `DEFAULT_MAX_SESSIONS_PER_USER`), the user's oldest others are revoked; never another
   * user's. A store that is full refuses with `UnavailableError` rather than evict anyone.
   */
  create(session: Session, limits?: { readonly maxPerUser?: number }): Promise<void>
  find(id: SessionId, now: Instant): Promise<Session | null>
  /** One atomic step: see `decideRotation` in src/domain/session.ts. A `reused` outcome has revoked. */
  rotate(id: SessionId, from: Generation, now: Instant, policy: RotationPolicy): Promise<RotateOutcome>
  /** Revokes one session; returns the owner when it existed. Idempotent. */
  revoke(id: SessionId): Promise<UserId | null>
  /** Revokes every session of the user; returns how many were live at `now`. */
  revokeAllForUser(userId: UserId, now: Instant): Promise<number>
  listForUser(userId: UserId, now: Instant): Promise<Session[]>
}

export type { RateDecision, RateRule } from '../domain/rate-window.js'

/** Fixed-window counters (`decideHit` in src/domain/rate-window.ts). Atomic: two hits never read the same count. */
export interface RateLimiter {
  /** Counts one event; allowed while the count in the window is at most `limit`. */
  hit(key: string, rule: RateRule, now: Instant): Promise<RateDecision>
  reset(key: string): Promise<void>
}

/** Which backend answers, and whether it is reachable: `GET /health`. */
export interface StoreHealth {
  readonly kind: 'memory' | 'redis' | 'durable-object' | 'kv'
  /** Resolves when the store answers; throws `UnavailableError` when it does not. */
  ping(): Promise<void>
}

/** The three storage ports a store adapter provides together, plus its health probe. */
export interface Stores {
  readonly users: UserRepository
  readonly sessions: SessionStore
  readonly limiter: RateLimiter
  readonly health: StoreHealth
}

/** The KDF work one caller may do in a slot it holds: see `PasswordHasher.reserve`. */
export interface HasherLease {
  hash(password: string): Promise<string>
  verify(stored: string, password: string): Promise<boolean>
  verifyDummy(password: string): Promise<void>
  /** Gives the slot back; idempotent. Using the lease afterwards throws. */
  release(): void
}

/**
 * Password hashing with bounded KDF work per instance. `hash`, `verify` and `verifyDummy` each take
 * and give back a slot of their own; they throw `UnavailableError('overloaded')` when none is free.
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>
  /** Constant-time comparison; false for a malformed or out-of-bounds stored hash. */
  verify(stored: string, password: string): Promise<boolean>
  /** Runs a verification against a dummy hash so an unknown email costs what a known one does. */
  verifyDummy(password: string): Promise<void>
  needsRehash(stored: string): boolean
  /**
   * Takes a KDF slot before the work that needs it is decided (waiting in a bounded queue), or
   * throws `UnavailableError('overloaded')`. The caller runs its derivations through the lease
   * (a second gated call while holding it could deadlock) and releases it in `finally`.
   */
  reserve(): Promise<HasherLease>
}

export interface AccessClaims {
  readonly sub: UserId
  readonly sid: SessionId
  /** Seconds since the epoch: the JWT edge's unit. */
  readonly iat: number
  readonly exp: number
}

export type AccessVerdict =
  | { readonly valid: true; readonly claims: AccessClaims }
  /** The signature is good but the token is past `exp` (plus leeway). */
  | { readonly valid: false; readonly reason: 'expired'; readonly claims: AccessClaims }
  | { readonly valid: false; readonly reason: 'invalid' }

export interface AccessTokens {
  /**
   * Signs a token for the session: `exp = min(iat + ttl, notAfter)`, so no access token outlives
   * its session's absolute end (`notAfter`).
   */
  issue(
    userId: UserId,
    sessionId: SessionId,
    now: Instant,
    notAfter?: Instant,
  ): Promise<{ token: string; expiresAt: Instant }>
  verify(token: string, now: Instant): Promise<AccessVerdict>
}

/** Opaque refresh tokens `sid.generation.mac`; only this holds the key that makes them. */
export interface RefreshTokens {
  issue(sessionId: SessionId, generation: Generation): Promise<string>
  /** Checks the MAC (constant time) before anything in the token is believed. */
  open(token: string): Promise<{ sessionId: SessionId; generation: Generation } | null>
}

export type { MailMessage, MailPurpose } from './mail.js'

/**
 * Sends one mail (src/adapters/mail/: SMTP on Node and Workers, the `send_email` binding, the
 * console in development). Resolves once the transport has accepted it; throws
 * `UnavailableError('mail_unavailable')` with a `retryAfter` when it has not, whatever the
 * reason (unreachable, timed out, refused), and never with a credential in the error.
 */
export interface Mailer {
  send(message: MailMessage): Promise<void>
}

export interface Clock {
  now(): Instant
}

export interface Random {
  /** A fresh identifier with at least 128 bits from a CSPRNG, URL-safe. */
  id(): string
}

export type SecurityEventName =
  | 'register'
  | 'login_success'
  | 'login_failure'
  | 'login_locked'
  | 'refresh'
  | 'refresh_reused'
  | 'logout'
  | 'logout_all'
  | 'session_revoked'
  | 'csrf_rejected'
  | 'rate_limited'
  | 'store_unavailable'

/** Structured security events. Fields never hold a token, a password or a secret. */
export interface SecurityLog {
  event(name: SecurityEventName, fields: Record<string, string | number | boolean | null>): void
}

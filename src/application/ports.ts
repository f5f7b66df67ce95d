import type { AccountToken, TokenPurpose } from '../domain/account-token.js'
import type { Email } from '../domain/email.js'
import type { RateDecision, RateRule } from '../domain/rate-window.js'
import type { RotateOutcome, RotationPolicy, Session, SessionId } from '../domain/session.js'
import type { Generation, Instant } from '../domain/units.js'
import type { UserId, UserRecord } from '../domain/user.js'
import type { MailMessage } from './mail.js'

/**
 * Ports: what the use cases need from the outside, in domain verbs. Every method may throw
 * `UnavailableError` when its backend is unreachable; expected outcomes are return values.
 * The behaviour of the four storage ports is pinned by test/contract/stores.contract.ts.
 */

/** Accounts keyed by id, with the email unique across them. */
export interface UserRepository {
  /** Stores the user unless the email is taken; atomic, so two racers never both win. */
  create(user: UserRecord): Promise<'created' | 'email_taken'>
  findByEmail(email: Email): Promise<UserRecord | null>
  findById(id: UserId): Promise<UserRecord | null>
  /** Applies the patch and returns the new record, or null when the user does not exist. */
  update(id: UserId, patch: UserPatch): Promise<UserRecord | null>
  /**
   * Replaces the password hash only while the stored one is still `expected`, as one atomic
   * compare-and-set: the new record; `'changed'` when it holds another hash (a reset or password
   * change landed since `expected` was read; nothing written); null when the user does not exist.
   * The rehash after a login uses it, so it never undoes a change made while the KDF ran. KV has
   * no compare-and-set: there it is a read and a write (see src/adapters/stores/kv).
   */
  replacePasswordHash(id: UserId, expected: string, next: string): Promise<UserRecord | 'changed' | null>
  /**
   * Moves the account to `email`, claimed atomically at this moment: the new record (with
   * `emailVerified: true`, since only a proven address is ever moved to), `'email_taken'` when
   * another account holds the address (nothing changed), or null when the user does not exist.
   * The old address is released: it may register again. Moving to the address it has is a no-op
   * that marks it verified.
   */
  changeEmail(id: UserId, email: Email): Promise<UserRecord | 'email_taken' | null>
  /**
   * Deletes the account and releases its address; true when it existed. Idempotent. Its sessions
   * and pending tokens are the caller's to revoke through their own ports (a store that keeps them
   * with the account, as the Durable Object does, may drop them here too).
   */
  delete(id: UserId): Promise<boolean>
}

/** The fields of an account that change in place (the address changes through `changeEmail`). */
export interface UserPatch {
  readonly name?: string | null
  readonly passwordHash?: string
  readonly emailVerified?: boolean
  readonly roles?: readonly string[]
  readonly disabled?: boolean
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
  /**
   * Revokes every session of the user (but `except`, when given: a password change keeps the
   * caller's); returns how many were live at `now`.
   */
  revokeAllForUser(userId: UserId, now: Instant, except?: SessionId): Promise<number>
  listForUser(userId: UserId, now: Instant): Promise<Session[]>
}

export type { RateDecision, RateRule } from '../domain/rate-window.js'

/** Fixed-window counters (`decideHit` in src/domain/rate-window.ts). Atomic: two hits never read the same count. */
export interface RateLimiter {
  /** Counts one event; allowed while the count in the window is at most `limit`. */
  hit(key: string, rule: RateRule, now: Instant): Promise<RateDecision>
  reset(key: string): Promise<void>
}

export type { AccountToken, TokenPurpose } from '../domain/account-token.js'

/**
 * Pending single-use tokens of the account lifecycle, keyed by user and purpose (one of each at a
 * time). Tokens outlive nothing: each is gone once consumed, replaced, revoked or past `expiresAt`.
 */
export interface TokenStore {
  /** Stores a pending token; the user's older token of the same purpose is replaced in the same step. */
  issue(token: AccountToken): Promise<void>
  /**
   * Spends a token, atomically: when the user holds a token of one of `purposes` with this
   * `digest`, live at `now`, deletes and returns it; otherwise changes nothing and returns null.
   * Two racers with one token: exactly one gets it. A token of another purpose is left as it was.
   */
  consume(userId: UserId, digest: string, purposes: readonly TokenPurpose[], now: Instant): Promise<AccountToken | null>
  /** Deletes the user's pending tokens of `purposes` (every purpose when omitted). Idempotent. */
  revokeForUser(userId: UserId, purposes?: readonly TokenPurpose[]): Promise<void>
  /** The user's pending tokens live at `now`, for the export (the caller shows no digest). */
  listForUser(userId: UserId, now: Instant): Promise<AccountToken[]>
}

/** Which backend answers, and whether it is reachable: `GET /health`. */
export interface StoreHealth {
  readonly kind: 'memory' | 'redis' | 'durable-object' | 'kv'
  /** Resolves when the store answers; throws `UnavailableError` when it does not. */
  ping(): Promise<void>
}

/** The four storage ports a store adapter provides together, plus its health probe. */
export interface Stores {
  readonly users: UserRepository
  readonly sessions: SessionStore
  readonly limiter: RateLimiter
  readonly tokens: TokenStore
  readonly health: StoreHealth
}

/** The KDF work one caller may do in a slot it holds: see `PasswordHasher.reserve`. */
export interface HasherLease {
  hash(password: string): Promise<string>
  /**
   * Whether `password` (normalised) matches. For an imported legacy hash only, `asTyped` (the
   * password before normalisation) is tried as well when it differs and `password` did not match:
   * the old system may have hashed it as typed. A scrypt hash ignores it.
   */
  verify(stored: string, password: string, asTyped?: string): Promise<boolean>
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
  /** True unless `stored` is in the current format and parameters (an imported hash always is). */
  needsRehash(stored: string): boolean
  /** Whether `verify` can check `stored`: a format it reads, with a cost within its bounds. */
  accepts(stored: string): boolean
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
  /** The user's roles when the token was signed (`[]` for a token from before tokens had them). */
  readonly roles: readonly string[]
  /** Seconds since the epoch: the JWT edge's unit. */
  readonly iat: number
  readonly exp: number
}

export type AccessVerdict =
  | { readonly valid: true; readonly claims: AccessClaims }
  /** The signature is good but the token is past `exp` (plus leeway). */
  | { readonly valid: false; readonly reason: 'expired'; readonly claims: AccessClaims }
  | { readonly valid: false; readonly reason: 'invalid' }

/** Whom an access token names: the session, its user and the roles the user holds now. */
export interface AccessSubject {
  readonly userId: UserId
  readonly sessionId: SessionId
  readonly roles: readonly string[]
}

export interface AccessTokens {
  /**
   * Signs a token for the session: `exp = min(iat + ttl, notAfter)`, so no access token outlives
   * its session's absolute end (`notAfter`).
   */
  issue(subject: AccessSubject, now: Instant, notAfter?: Instant): Promise<{ token: string; expiresAt: Instant }>
  verify(token: string, now: Instant): Promise<AccessVerdict>
  /**
   * The public keys that may have signed a live token (the current one first), as a JWKS lists
   * them; null when tokens are MACs (`HS256`), which have no public half.
   */
  publicKeys(): Promise<readonly PublishedKey[] | null>
}

/** A public key as `GET /.well-known/jwks.json` publishes it (RFC 7517). */
export interface PublishedKey {
  readonly kty: string
  readonly crv: string
  readonly x: string
  readonly y?: string
  readonly kid: string
  readonly alg: string
  readonly use: 'sig'
}

/** Opaque refresh tokens `sid.generation.mac`; only this holds the key that makes them. */
export interface RefreshTokens {
  issue(sessionId: SessionId, generation: Generation): Promise<string>
  /** Checks the MAC (constant time) before anything in the token is believed. */
  open(token: string): Promise<{ sessionId: SessionId; generation: Generation } | null>
}

/**
 * Makes and opens account tokens (`<userId>.<secret>`, src/domain/account-token.ts): 256 bits of
 * secret from a CSPRNG, and the digest the store keeps.
 */
export interface TokenMint {
  mint(userId: UserId): Promise<{ readonly token: string; readonly digest: string }>
  /** The user and digest of a token of the right shape, else null (nothing is looked up). */
  open(token: string): Promise<{ readonly userId: UserId; readonly digest: string } | null>
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

/**
 * Positive answers of the strict session check (`SESSION_CHECK=strict`), remembered in-process
 * (src/adapters/confirmed-sessions.ts, bounded). Only a live answer is ever remembered.
 */
export interface ConfirmedSessions {
  /** Whether the session is remembered as live for this user at `now`. */
  has(sessionId: SessionId, userId: UserId, now: Instant): boolean
  /** Remembers a live answer until `until` (exclusive); the caller bounds it by the read's start. */
  remember(sessionId: SessionId, userId: UserId, until: Instant, now: Instant): void
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
  | 'mail_sent'
  | 'mail_failed'
  | 'email_verified'
  | 'email_changed'
  | 'password_reset_requested'
  | 'password_reset'
  | 'password_changed'
  | 'account_deleted'
  | 'account_exported'
  | 'refresh_refused'
  | 'admin_granted'
  | 'admin_user_viewed'
  | 'admin_roles_set'
  | 'admin_user_disabled'
  | 'admin_user_enabled'
  | 'admin_sessions_revoked'

/** Structured security events. Fields never hold a token, a password or a secret. */
export interface SecurityLog {
  event(name: SecurityEventName, fields: Record<string, string | number | boolean | null>): void
}

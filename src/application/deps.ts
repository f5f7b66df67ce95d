import type { Email } from '../domain/email.js'
import type { SessionId } from '../domain/session.js'
import type { Instant, Millis } from '../domain/units.js'
import type { UserId } from '../domain/user.js'
import type {
  AccessTokens,
  Clock,
  ConfirmedSessions,
  Mailer,
  PasswordHasher,
  Random,
  RateLimiter,
  RefreshTokens,
  SecurityLog,
  SessionStore,
  TokenMint,
  TokenStore,
  UserRepository,
} from './ports.js'

/**
 * Lifetimes and limits the use cases apply. The settings give lifetimes in seconds; `policyFrom`
 * (src/service.ts) converts them to ms, once.
 */
export interface AuthPolicy {
  readonly accessTokenTtl: Millis
  readonly refreshTokenTtl: Millis
  readonly refreshReuseGrace: Millis
  readonly sessionMaxLifetime: Millis
  readonly loginFailureLimit: number
  /** Window of the failed-login counter (15 minutes in the contract). */
  readonly loginFailureWindow: Millis
  readonly rateLimitPerMinute: number
  /** Live sessions one user may hold; a login past it revokes that user's oldest (`MAX_SESSIONS_PER_USER`). */
  readonly maxSessionsPerUser: number
  /** `SESSION_CHECK`: `strict` makes every authorized request confirm its session (session-check.ts). */
  readonly sessionCheck: 'off' | 'strict'
  /** `SESSION_CHECK_MAX_AGE`: how long a positive strict check is remembered (0: never). */
  readonly sessionCheckMaxAge: Millis
  /** `EMAIL_VERIFICATION`: `off` sends no verification mail; `required` refuses unverified logins. */
  readonly emailVerification: 'off' | 'optional' | 'required'
  /** `PASSWORD_RESET`: whether `/password/forgot` and `/password/reset` exist. */
  readonly passwordReset: boolean
  /** Mails one address may be sent per hour, whatever endpoint sends them. */
  readonly mailsPerAddressPerHour: number
  /** `ADMIN_EMAILS`: a login of a verified account with one of these addresses is granted `admin`. */
  readonly adminEmails?: readonly Email[]
}

/**
 * Work for after the answer: `waitUntil` on Workers, a promise the process keeps on Node. The task
 * starts only once the current one has yielded to the event loop (a macrotask later), so none of
 * its work, not even what it would do before its first `await`, runs inside the request that
 * scheduled it. A task logs its own failure; `run` never throws.
 */
export interface Background {
  run(task: () => Promise<unknown>): void
}

/** The task, a macrotask from now: what every `Background` runs. */
export const later = (task: () => Promise<unknown>): Promise<unknown> =>
  new Promise((resolve) => setTimeout(resolve, 0)).then(task).catch(() => undefined)

/** Everything a use case may ask for; each one picks only what it needs. */
export interface Deps {
  readonly users: UserRepository
  readonly sessions: SessionStore
  readonly limiter: RateLimiter
  readonly hasher: PasswordHasher
  readonly accessTokens: AccessTokens
  readonly refreshTokens: RefreshTokens
  readonly clock: Clock
  readonly random: Random
  readonly log: SecurityLog
  readonly policy: AuthPolicy
  readonly tokens: TokenStore
  readonly tokenMint: TokenMint
  /** Absent when mail is off (`EMAIL_VERIFICATION=off` and `PASSWORD_RESET=off`). */
  readonly mailer: Mailer | undefined
  readonly background: Background
  /** The strict session check's remembered answers, in-process. */
  readonly confirmedSessions: ConfirmedSessions
}

/** What a client is given after a login or a refresh. */
export interface IssuedTokens {
  readonly accessToken: string
  readonly accessTokenExpiresAt: Instant
  readonly refreshToken: string
  readonly refreshTokenExpiresAt: Instant
}

/** The identity a request is authorised as. */
export interface Identity {
  readonly userId: UserId
  readonly sessionId: SessionId
  readonly accessTokenExpiresAt: Instant
  /** The roles the access token carries (or, after a transparent refresh, the account holds now). */
  readonly roles: readonly string[]
  /** True when this request rotated the session, so the store has just confirmed it is live. */
  readonly sessionConfirmed?: boolean
}

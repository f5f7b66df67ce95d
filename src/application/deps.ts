import type {
  AccessTokens,
  Clock,
  PasswordHasher,
  Random,
  RateLimiter,
  RefreshTokens,
  SecurityLog,
  SessionStore,
  UserRepository,
} from './ports.js'

/** Lifetimes and limits the use cases apply, in seconds; read from configuration by a composition root. */
export interface AuthPolicy {
  readonly accessTokenTtl: number
  readonly refreshTokenTtl: number
  readonly refreshReuseGrace: number
  readonly sessionMaxLifetime: number
  readonly loginFailureLimit: number
  /** Window of the failed-login counter (15 minutes in the contract). */
  readonly loginFailureWindow: number
  readonly rateLimitPerMinute: number
  /** Live sessions one user may hold; a login past it revokes that user's oldest (`MAX_SESSIONS_PER_USER`). */
  readonly maxSessionsPerUser: number
}

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
}

/** What a client is given after a login or a refresh. Instants in ms since the epoch. */
export interface IssuedTokens {
  readonly accessToken: string
  readonly accessTokenExpiresAt: number
  readonly refreshToken: string
  readonly refreshTokenExpiresAt: number
}

/** The identity a request is authorised as. */
export interface Identity {
  readonly userId: import('../domain/user.js').UserId
  readonly sessionId: import('../domain/session.js').SessionId
  readonly accessTokenExpiresAt: number
  /** True when this request rotated the session, so the store has just confirmed it is live. */
  readonly sessionConfirmed?: boolean
}

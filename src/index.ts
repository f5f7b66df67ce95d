/**
 * `hono-cookie-auth`: the auth routes and `requireAuth` for a Hono app of your own, and the ports
 * for writing a store of your own, and `importUsers` to move accounts in from another system.
 * Stores come from `hono-cookie-auth/memory`, `/redis` and `/workers`.
 */

export { SettingsError } from './adapters/config/settings.js'
export type { Auth, AuthRoutes } from './adapters/http/app.js'
export { type OpenApiDocument, type OpenApiOptions, openApiDocument } from './adapters/http/openapi.js'
export type { AuthEnv, RequireAuth } from './adapters/http/require-auth.js'
export { type RequireRole, requireRole } from './adapters/http/require-role.js'
export {
  linkFor,
  type MailAddress,
  type RenderedMail,
  type RenderOptions,
  renderMail,
} from './adapters/mail/messages.js'
export { guarded, STORE_RETRY_AFTER, storeUnavailable } from './adapters/stores/outage.js'
export type { Identity } from './application/deps.js'

// For a store of your own: the ports it implements, the rules every store applies, and the error
// an outage throws (a 503 with Retry-After that touches no cookie).
export type {
  Mailer,
  MailMessage,
  MailPurpose,
  RateDecision,
  RateLimiter,
  RateRule,
  SecurityEventName,
  SecurityLog,
  SessionStore,
  StoreHealth,
  Stores,
  TokenStore,
  UserPatch,
  UserRepository,
} from './application/ports.js'
export { type AuthMailOptions, type AuthOptions, createAuth } from './create-auth.js'
export { type AccountToken, isTokenLiveAt, TOKEN_LIFETIME, type TokenPurpose } from './domain/account-token.js'
export type { Email } from './domain/email.js'
export { UnavailableError } from './domain/errors.js'
export { decideHit, type RateWindow } from './domain/rate-window.js'
export {
  DEFAULT_MAX_SESSIONS_PER_USER,
  decideRotation,
  isLiveAt,
  type RotateOutcome,
  type RotationPolicy,
  type Session,
  type SessionId,
  sessionsBeyondCap,
} from './domain/session.js'
export { type Generation, generation, type Instant, instant, type Millis, millis } from './domain/units.js'
export type { UserId, UserRecord } from './domain/user.js'
// Moving accounts in from another system, with their bcrypt, argon2id or scrypt hashes.
export {
  type ImportOptions,
  type ImportReport,
  ImportStoppedError,
  importUsers,
  type SkippedLine,
} from './import-users.js'

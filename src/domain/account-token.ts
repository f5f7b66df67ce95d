import type { Email } from './email.js'
import { type Instant, type Millis, seconds } from './units.js'
import type { UserId } from './user.js'

/**
 * The single-use tokens of the account lifecycle, one kind per purpose. `verify_email` proves the
 * address an account has; `change_email` proves a new one (both are spent by `POST /email/verify`);
 * `reset_password` replaces a forgotten password.
 */
export type TokenPurpose = 'verify_email' | 'change_email' | 'reset_password'

/** How long each kind works: reset 30 minutes, the address proofs 24 hours (CONTRACT.md). */
export const TOKEN_LIFETIME: Readonly<Record<TokenPurpose, Millis>> = {
  reset_password: seconds(30 * 60),
  verify_email: seconds(24 * 60 * 60),
  change_email: seconds(24 * 60 * 60),
}

/**
 * A pending token as stored. The store never holds the token: a token is `<userId>.<secret>`
 * with 256 random bits of secret, and the store keeps the SHA-256 `digest` of the secret, so a
 * dump of the store yields no usable link. A user holds at most one pending token per purpose:
 * storing a new one replaces (supersedes) the older.
 */
export interface AccountToken {
  readonly userId: UserId
  readonly purpose: TokenPurpose
  /** Hex SHA-256 of the token's secret part. */
  readonly digest: string
  /**
   * The address the mail went to: for `verify_email` and `reset_password` the account's address
   * when the token was made (a token outlives no address change), for `change_email` the new one.
   */
  readonly email: Email
  readonly createdAt: Instant
  readonly expiresAt: Instant
}

/** Whether a pending token still works at `now`: the one rule every store applies. */
export const isTokenLiveAt = (token: AccountToken, now: Instant): boolean => token.expiresAt > now

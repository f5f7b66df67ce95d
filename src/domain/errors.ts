import { type Millis, seconds } from './units.js'

/**
 * The outcomes a use case can answer with, besides success. Codes that only the HTTP layer gives
 * (a wrong method, a body too large or not JSON, a cross-site request, an internal error) belong
 * to `src/adapters/http/problem.ts`, which maps every code to a status in one exhaustive switch.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'email_taken'
  | 'invalid_credentials'
  | 'unauthorized'
  | 'refresh_reused'
  | 'invalid_token'
  | 'email_unverified'
  | 'forbidden'
  | 'account_disabled'
  | 'rate_limited'
  | 'not_found'
  | 'store_unavailable'
  | 'overloaded'
  | 'mail_unavailable'

/** A use case's answer: a value, or an expected failure with its code. */
export type Result<T, E extends ErrorCode = ErrorCode> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E; readonly retryAfter?: Millis; readonly detail?: string }

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value })

export const fail = <E extends ErrorCode>(
  error: E,
  extra: { retryAfter?: Millis; detail?: string } = {},
): { ok: false; error: E; retryAfter?: Millis; detail?: string } => ({ ok: false, error, ...extra })

/** The `Retry-After` of a mail that could not be sent: long enough for a restarting mail server. */
export const MAIL_RETRY_AFTER: Millis = seconds(30)

/** The infrastructure that can be unavailable, each with the message its error carries. */
const UNAVAILABLE = {
  store_unavailable: 'The store is unreachable',
  overloaded: 'Too many concurrent password checks',
  mail_unavailable: 'Mail cannot be sent right now',
} as const

/**
 * Thrown (not returned) when infrastructure cannot answer: a store that is down, a KDF pool that
 * is full, a mail server that cannot be reached. The HTTP adapter turns it into 503 with
 * `Retry-After` and touches no cookie.
 */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError'
  constructor(
    readonly code: keyof typeof UNAVAILABLE,
    readonly retryAfter: Millis,
    options?: { cause?: unknown },
  ) {
    super(UNAVAILABLE[code], options)
  }
}

export const isUnavailable = (e: unknown): e is UnavailableError => e instanceof UnavailableError

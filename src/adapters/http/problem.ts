import type { Context, TypedResponse } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ErrorCode } from '../../domain/errors.js'
import { type Millis, retryAfterSeconds } from '../../domain/units.js'

/** Codes only the HTTP layer answers with: no use case returns them. */
export type HttpErrorCode =
  | 'forbidden_origin'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'internal'

/** Every code a problem answer carries. */
export type ProblemCode = ErrorCode | HttpErrorCode

/**
 * The one place an error code becomes an HTTP status; a new code that is not mapped fails the type
 * check. A table rather than a switch so that the types know each code's status too: `hc` sees a
 * 401 as the 401 codes' problem body.
 */
const STATUS = {
  invalid_request: 400,
  invalid_token: 400,
  invalid_credentials: 401,
  unauthorized: 401,
  refresh_reused: 401,
  forbidden_origin: 403,
  email_unverified: 403,
  forbidden: 403,
  account_disabled: 403,
  not_found: 404,
  method_not_allowed: 405,
  email_taken: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  store_unavailable: 503,
  overloaded: 503,
  mail_unavailable: 503,
} as const satisfies Record<ProblemCode, ContentfulStatusCode>

/** The status a code is answered with. */
export type ProblemStatus<C extends ProblemCode> = (typeof STATUS)[C]

/** The status a code is answered with. */
export function statusOf<C extends ProblemCode>(code: C): ProblemStatus<C> {
  const status = STATUS[code]
  if (status === undefined) throw new Error(`unmapped error code ${String(code)}`)
  return status
}

/** The body of a problem answer for a code (RFC 9457). */
export type ProblemBody<C extends ProblemCode = ProblemCode> = {
  type: `urn:hono-cookie-auth:problem:${C}`
  title: string
  status: ProblemStatus<C>
  detail?: string
  code: C
}

/**
 * A problem answer as the types (and so `hc`) see it: one member per code, each with its own
 * status, so a client that checks `res.status` gets that status's codes.
 */
export type ProblemResponse<C extends ProblemCode> = C extends ProblemCode
  ? Response & TypedResponse<ProblemBody<C>, ProblemStatus<C>, 'json'>
  : never

const TITLES: Record<ProblemCode, string> = {
  invalid_request: 'The request is not valid',
  email_taken: 'An account with this email already exists',
  invalid_credentials: 'Email or password is wrong',
  invalid_token: 'The link is not valid: it is unknown, used, expired or superseded',
  email_unverified: 'The email address is not verified yet',
  forbidden: 'The account does not hold a role this needs',
  account_disabled: 'The account is disabled',
  unauthorized: 'Authentication is required',
  refresh_reused: 'The refresh token was already used; the session has been revoked',
  rate_limited: 'Too many requests',
  forbidden_origin: 'Cross-site request refused',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  unsupported_media_type: 'The body must be application/json',
  payload_too_large: 'The body is larger than 16 KiB',
  store_unavailable: 'The store is unavailable; try again shortly',
  overloaded: 'The service is busy; try again shortly',
  mail_unavailable: 'Mail cannot be sent right now; try again shortly',
  internal: 'Internal error',
}

/** An `application/problem+json` response (RFC 9457) for a code, never with a stack or a secret. */
export function problem<C extends ProblemCode>(
  c: Context,
  code: C,
  extra: { detail?: string | undefined; retryAfter?: Millis | undefined } = {},
): ProblemResponse<C> {
  const status = statusOf(code)
  if (extra.retryAfter !== undefined) c.header('Retry-After', String(retryAfterSeconds(extra.retryAfter)))
  const body = {
    type: `urn:hono-cookie-auth:problem:${code}`,
    title: TITLES[code],
    status,
    ...(extra.detail !== undefined && { detail: extra.detail }),
    code,
  }
  const res: Response = c.body(JSON.stringify(body), status, { 'Content-Type': 'application/problem+json' })
  // The body is exactly a ProblemBody<C> as JSON and the status statusOf(code): the cast only names them.
  return res as ProblemResponse<C>
}

/** Every code with its status and title, for the documents that list them (the OpenAPI document). */
export const problemCatalog = (): ReadonlyArray<{ code: ProblemCode; status: ContentfulStatusCode; title: string }> =>
  (Object.keys(STATUS) as ProblemCode[]).map((code) => ({ code, status: STATUS[code], title: TITLES[code] }))

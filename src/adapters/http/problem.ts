import type { Context } from 'hono'
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

/** The one place an error code becomes an HTTP status; a new code that is not mapped fails the type check. */
export function statusOf(code: ProblemCode): ContentfulStatusCode {
  switch (code) {
    case 'invalid_request':
      return 400
    case 'invalid_credentials':
    case 'unauthorized':
    case 'refresh_reused':
      return 401
    case 'forbidden_origin':
      return 403
    case 'not_found':
      return 404
    case 'method_not_allowed':
      return 405
    case 'email_taken':
      return 409
    case 'payload_too_large':
      return 413
    case 'unsupported_media_type':
      return 415
    case 'rate_limited':
      return 429
    case 'internal':
      return 500
    case 'store_unavailable':
    case 'overloaded':
      return 503
    default: {
      const unmapped: never = code
      throw new Error(`unmapped error code ${String(unmapped)}`)
    }
  }
}

const TITLES: Record<ProblemCode, string> = {
  invalid_request: 'The request is not valid',
  email_taken: 'An account with this email already exists',
  invalid_credentials: 'Email or password is wrong',
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
  internal: 'Internal error',
}

/** An `application/problem+json` response (RFC 9457) for a code, never with a stack or a secret. */
export function problem(
  c: Context,
  code: ProblemCode,
  extra: { detail?: string | undefined; retryAfter?: Millis | undefined } = {},
): Response {
  const status = statusOf(code)
  if (extra.retryAfter !== undefined) c.header('Retry-After', String(retryAfterSeconds(extra.retryAfter)))
  const body = {
    type: `urn:hono-cookie-auth:problem:${code}`,
    title: TITLES[code],
    status,
    ...(extra.detail !== undefined && { detail: extra.detail }),
    code,
  }
  return c.body(JSON.stringify(body), status, { 'Content-Type': 'application/problem+json' })
}

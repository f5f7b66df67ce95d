import type { Context, MiddlewareHandler } from 'hono'
import type { Deps, Identity } from '../../../application/deps.js'
import { isSessionLive } from '../../../application/live-session.js'
import type { ErrorCode } from '../../../domain/errors.js'
import type { CookieJar } from '../cookies.js'
import { problem } from '../problem.js'
import type { AuthEnv, RequireAuth } from '../require-auth.js'
import type { Errors } from './layout.js'

/**
 * Page forms post `application/x-www-form-urlencoded` (what a browser sends without a script);
 * anything else is 415, as the JSON routes answer a form.
 */
export const formOnly: MiddlewareHandler = async (c, next) => {
  const type = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') return problem(c, 'unsupported_media_type')
  await next()
}

/**
 * The form's fields (a repeated name keeps its last value); `formOnly` has checked the type. The
 * bytes are decoded here: workerd warns on every `.text()` of a body whose type is not text.
 */
export async function readForm(c: Context): Promise<Readonly<Record<string, string>>> {
  return Object.fromEntries(new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer())))
}

/**
 * A page's `requireAuth`: signed out (401, or 403 for a disabled account), or holding the token of
 * a session that has since been revoked, is a redirect to the login page (the revoked session's
 * cookies cleared).
 */
export function signedInOnly(
  requireAuth: RequireAuth,
  deps: Pick<Deps, 'sessions' | 'clock'>,
  jar: CookieJar,
): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const res = await requireAuth(c, async () => {
      // A person who logged out everywhere, or reset the password, expects every other browser
      // to be signed out at its next page: the pages confirm the session, not just the token.
      const identity = c.get('auth')
      if (!(await isSessionLive(deps, identity))) {
        jar.clear(c)
        c.res = c.redirect('/login', 303)
        return
      }
      // Confirmed in this request: the use case behind a form need not read the session again.
      c.set('auth', { ...identity, sessionConfirmed: true })
      await next()
    })
    if (res instanceof Response && (res.status === 401 || res.status === 403)) return c.redirect('/login', 303)
    return res
  }
}

/**
 * The caller's identity when signed in (a transparent refresh included, its cookies on the
 * context), else undefined; an outage is the 503 Response it is.
 */
export async function identityOf(
  c: Context<AuthEnv>,
  requireAuth: RequireAuth,
): Promise<Identity | Response | undefined> {
  let identity: Identity | undefined
  const res = await requireAuth(c, async () => {
    identity = c.get('auth')
  })
  if (res instanceof Response && res.status >= 500) return res
  return identity
}

/** A use case's failure in words for the person at the form. */
export function messageOf(error: ErrorCode, detail?: string): string {
  switch (error) {
    case 'invalid_credentials':
      return 'The email or password is not right.'
    case 'email_taken':
      return 'An account with this email already exists.'
    case 'rate_limited':
      return 'Too many attempts. Wait a few minutes and try again.'
    case 'email_unverified':
      return 'Confirm your email address first: open the link in the mail we sent you.'
    case 'account_disabled':
      return 'This account is disabled.'
    case 'invalid_token':
      return 'This link has expired or was already used. Ask for a new one.'
    case 'not_found':
      return 'That session has already ended.'
    case 'invalid_request':
      return detail ? `${detail.charAt(0).toUpperCase()}${detail.slice(1)}.` : 'Check what you entered.'
    default:
      return 'Something went wrong. Try again.'
  }
}

/**
 * Where a failure is shown: an `invalid_request` next to the field its detail names (the first of
 * `fields` found in it, else `fallback`), a wrong password next to `credentials`, the rest above
 * the form.
 */
export function errorsFor(
  failure: { readonly error: ErrorCode; readonly detail?: string | undefined },
  place: {
    readonly fields: readonly string[]
    readonly fallback: string
    /** The field a wrong password is shown at; `current` when only a password was asked for. */
    readonly credentials?: string
    readonly current?: boolean
  },
): Errors {
  const text = messageOf(failure.error, failure.detail)
  if (failure.error === 'invalid_request') {
    const named = place.fields.find((f) => failure.detail?.toLowerCase().startsWith(f.toLowerCase()))
    return { [named ?? place.fallback]: text }
  }
  if (failure.error === 'email_taken') return { email: text }
  if (failure.error === 'invalid_credentials' && place.credentials) {
    return { [place.credentials]: place.current ? 'The password is not right.' : text }
  }
  return { form: text }
}

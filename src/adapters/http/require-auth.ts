import type { Context, MiddlewareHandler } from 'hono'
import type { BlankInput } from 'hono/types'
import { authorizeRequest } from '../../application/authorize-request.js'
import type { Identity, IssuedTokens } from '../../application/deps.js'
import { isUnavailable } from '../../domain/errors.js'
import { storeUnavailable } from '../stores/outage.js'
import type { HttpConfig } from './config.js'
import type { CookieJar } from './cookies.js'
import { bearerToken } from './guards.js'
import { type ProblemResponse, problem } from './problem.js'
import { requestDeps, requestIdOf } from './request-log.js'

/** What `requireAuth` puts on the context: `c.get('auth')`. */
export type AuthEnv = { Variables: { auth: Identity } }

type AuthProblem = ProblemResponse<'unauthorized' | 'refresh_reused' | 'account_disabled'>

type AuthorizeDeps = Parameters<typeof authorizeRequest>[0]

/**
 * `requireAuth`, its own answers typed (401, 403 `account_disabled` with `SESSION_CHECK=strict`,
 * and 503 in an outage), so `hc` sees them on every route behind it.
 */
export type RequireAuth = MiddlewareHandler<
  AuthEnv,
  string,
  BlankInput,
  AuthProblem | ProblemResponse<'store_unavailable' | 'overloaded'>
>

/**
 * Runs AuthorizeRequest: a valid access token (cookie or `Authorization: Bearer`) proceeds with no
 * store read; a missing or expired one is refreshed transparently and the new cookies ride on this
 * response. A replayed refresh token clears the cookies, since its session is gone; so does a
 * refresh refused because the account is disabled (its session is revoked). With
 * `SESSION_CHECK=strict` a valid token's session is confirmed in the store first (or from an
 * answer younger than `SESSION_CHECK_MAX_AGE`); an unreachable store is then a 503, never a pass.
 */
export function createRequireAuth(deps: AuthorizeDeps, config: HttpConfig, jar: CookieJar): RequireAuth {
  return async (c, next) => {
    let outcome: AuthProblem | IssuedTokens | undefined
    try {
      outcome = await authorize(deps, config, jar, c)
    } catch (err) {
      // Mounted in someone else's app, an outage must still be a 503 that touches no cookie.
      // (Authorizing sends no mail: a `mail_unavailable` from here would be a bug, left to rethrow.)
      if (isUnavailable(err) && err.code !== 'mail_unavailable') {
        if (err.code === 'store_unavailable') {
          deps.log.event('store_unavailable', { path: c.req.path, requestId: requestIdOf(c) })
        }
        return problem(c, err.code, { retryAfter: err.retryAfter })
      }
      throw err
    }
    if (outcome instanceof Response) return outcome
    await next()
    // A handler that returns a Response of its own drops headers set on the context: the rotated
    // cookies must still reach the client, or its next refresh would look like reuse.
    if (outcome && !jar.isSetOn(c.res)) jar.set(c, outcome, deps.clock.now())
  }
}

/**
 * What AuthorizeRequest reads from the request. The refresh cookie and the client IP are read only
 * when the use case asks (the access token did not do), so the common request parses one cookie
 * and never looks up the socket. Prototype getters, for the reason given in cookies.ts.
 */
class AuthorizeInput {
  constructor(
    readonly accessToken: string | undefined,
    private readonly cookies: { readonly refresh: string | undefined },
    private readonly c: Context,
    private readonly config: HttpConfig,
  ) {}
  get refreshToken(): string | undefined {
    return this.cookies.refresh
  }
  get ip(): string {
    return this.config.clientIp(this.c)
  }
}

async function authorize(
  deps: AuthorizeDeps,
  config: HttpConfig,
  jar: CookieJar,
  c: Context<AuthEnv>,
): Promise<AuthProblem | IssuedTokens | undefined> {
  const bearer = bearerToken(c.req.header('authorization'))
  if (bearer === null) return problem(c, 'unauthorized')
  const cookies = jar.read(c)
  const input = new AuthorizeInput(bearer ?? cookies.access, cookies, c, config)
  const result = await authorizeRequest(requestDeps(deps, c), input)
  if (!result.ok) {
    if (result.error === 'refresh_reused' || result.error === 'account_disabled') jar.clear(c)
    return problem(c, result.error)
  }
  if (result.value.refreshed) jar.set(c, result.value.refreshed, deps.clock.now())
  // Strict, and the account could not be read: the rotated cookies ride on a 503, never a pass.
  if (result.value.accountUnread) throw storeUnavailable('unreachable')
  c.set('auth', result.value.identity)
  return result.value.refreshed
}

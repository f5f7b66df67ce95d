import { type ErrorHandler, Hono, type MiddlewareHandler } from 'hono'
import type { Deps } from '../../application/deps.js'
import type { StoreHealth } from '../../application/ports.js'
import { isUnavailable } from '../../domain/errors.js'
import { STORE_RETRY_AFTER } from '../stores/outage.js'
import { createAuthRoutes } from './auth-routes.js'
import type { HttpConfig } from './config.js'
import { createCookieJar } from './cookies.js'
import { answerOtherMethods } from './method-not-allowed.js'
import { problem } from './problem.js'
import { type AuthEnv, createRequireAuth } from './require-auth.js'
import { reply, securityHeaders } from './security-headers.js'

/** The pieces a Hono user mounts in an app of their own. */
export interface Auth {
  /** The contract's routes as a sub-app: `app.route('/auth', auth.routes)`. */
  readonly routes: Hono<AuthEnv>
  /** AuthorizeRequest as middleware; the identity is `c.get('auth')`. */
  readonly requireAuth: MiddlewareHandler<AuthEnv>
}

/** Builds the auth routes and `requireAuth` from one set of dependencies, so storage swaps in one line. */
export function createAuth(deps: Deps, config: HttpConfig): Auth {
  const auth = authParts(deps, config)
  auth.routes.onError(authErrors(deps))
  return auth
}

function authParts(deps: Deps, config: HttpConfig): Auth {
  const jar = createCookieJar(config.cookieSecure)
  const requireAuth = createRequireAuth(deps, config, jar)
  return { routes: createAuthRoutes(deps, config, jar, requireAuth), requireAuth }
}

/** An outage is a 503 with `Retry-After`; anything else a 500 that is logged without details. */
const authErrors =
  (deps: Deps): ErrorHandler<AuthEnv> =>
  (err, c) => {
    if (isUnavailable(err)) {
      if (err.code === 'store_unavailable') deps.log.event('store_unavailable', { path: c.req.path })
      return problem(c, err.code, { retryAfter: err.retryAfter })
    }
    console.error(
      JSON.stringify({ level: 'error', msg: 'unhandled error', path: c.req.path, error: String(err?.name) }),
    )
    return problem(c, 'internal')
  }

/**
 * The whole service as one Hono app, used by both runtimes: security headers, a request id,
 * `Cache-Control: no-store` on every answer, the cross-site guard, the routes, `/health`, 405 and 404.
 */
export function createApp(deps: Deps, health: StoreHealth, config: HttpConfig): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>()
  const auth = authParts(deps, config)
  app.use('*', securityHeaders({ hsts: config.cookieSecure }))

  app.get('/health', async (c) => {
    try {
      await health.ping()
      return reply(c, { status: 'ok', store: health.kind })
    } catch (err) {
      return problem(c, 'store_unavailable', {
        retryAfter: isUnavailable(err) ? err.retryAfter : STORE_RETRY_AFTER.unreachable,
      })
    }
  })
  // The routes' error handler is this app's: a sub-app with one of its own would wrap each of its
  // handlers in one more async layer on every request.
  app.route('/', auth.routes)

  answerOtherMethods(app)
  app.notFound((c) => problem(c, 'not_found'))
  app.onError(authErrors(deps))
  return app
}

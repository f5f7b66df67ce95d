import { type Context, type ErrorHandler, Hono, type Next } from 'hono'
import type { Deps } from '../../application/deps.js'
import type { StoreHealth } from '../../application/ports.js'
import { isUnavailable } from '../../domain/errors.js'
import { type AccessEntry, isLog, logFor } from '../log.js'
import { STORE_RETRY_AFTER } from '../stores/outage.js'
import { createAuthRoutes } from './auth-routes.js'
import type { HttpConfig } from './config.js'
import { createCookieJar } from './cookies.js'
import { corsFor } from './cors.js'
import { mountDocs } from './docs-routes.js'
import { originGuard, STATE_CHANGING } from './guards.js'
import { answerOtherMethods } from './method-not-allowed.js'
import { createPages } from './pages/pages.js'
import { problem } from './problem.js'
import { requestIdOf } from './request-log.js'
import { type AuthEnv, createRequireAuth, type RequireAuth } from './require-auth.js'
import { reply, securityHeaders } from './security-headers.js'

/** The contract's routes as a sub-app, typed route by route for `hc<typeof auth.routes>`. */
export type AuthRoutes = ReturnType<typeof mountable>

/** The pieces a Hono user mounts in an app of their own. */
export interface Auth {
  /** The contract's routes as a sub-app: `app.route('/auth', auth.routes)`. */
  readonly routes: AuthRoutes
  /** AuthorizeRequest as middleware; the identity is `c.get('auth')`, its 401 and 503 typed for `hc`. */
  readonly requireAuth: RequireAuth
}

/**
 * The auth routes and `requireAuth` for mounting in an app of your own, from one set of
 * dependencies (so storage swaps in one line). The routes carry what the standalone service's
 * answers carry: the security headers, `Cache-Control: no-store`, a request id, CORS for listed
 * origins, and the same outage and error handling.
 */
export function mountableAuth(deps: Deps, config: HttpConfig): Auth {
  const { routes, requireAuth } = authParts(deps, config)
  routes.onError(authErrors(deps))
  // The host app's own routes get the cross-site check the auth routes have: `requireAuth` on a
  // POST of theirs refuses a cross-site request before any work (with SameSite=None cookies,
  // nothing else would stop a form on another site).
  const guard = originGuard(config, deps.log)
  const checked = (async (c: Context<AuthEnv>, next: Next) => {
    if (!STATE_CHANGING.includes(c.req.method)) return requireAuth(c, next)
    let passed = false
    const refused = await guard(c, async () => {
      passed = true
    })
    return passed ? requireAuth(c, next) : refused
  }) as RequireAuth
  return { routes: mountable(routes, config), requireAuth: checked }
}

/** A wrapper, so the headers (and CORS) run before the routes; `.route` keeps the routes' types. */
function mountable(routes: ReturnType<typeof createAuthRoutes>, config: HttpConfig) {
  const outer = new Hono<AuthEnv>()
  outer.use('*', securityHeaders({ hsts: config.cookieSecure, wholeReplies: false, trustRequestId: config.trustProxy }))
  const cors = corsFor(config.corsOrigins)
  if (cors) outer.use('*', cors)
  return outer.route('/', routes)
}

function authParts(deps: Deps, config: HttpConfig, withPages = false) {
  const jar = createCookieJar(config.cookieSecure, config.cookieSameSite)
  const requireAuth = createRequireAuth(deps, config, jar)
  const pages = withPages ? createPages(deps, config, jar, requireAuth) : undefined
  return { routes: createAuthRoutes(deps, config, jar, requireAuth, pages?.routes), requireAuth, pages }
}

/** An outage is a 503 with `Retry-After`; anything else a 500 that is logged without details. */
const authErrors =
  (deps: Deps): ErrorHandler<AuthEnv> =>
  (err, c) => {
    if (isUnavailable(err)) {
      if (err.code === 'store_unavailable') {
        deps.log.event('store_unavailable', { path: c.req.path, requestId: requestIdOf(c) })
      }
      return problem(c, err.code, { retryAfter: err.retryAfter })
    }
    const fields = { path: c.req.path, error: String(err?.name), requestId: requestIdOf(c) }
    logFor(deps.log).line('error', 'unhandled error', fields)
    return problem(c, 'internal')
  }

/**
 * The whole service as one Hono app, used by both runtimes: security headers, a request id,
 * `Cache-Control: no-store` on every answer, CORS for listed origins, the cross-site guard, the
 * pages when `config.ui` is on, the routes, `/health`, 405 and 404.
 */
export function createApp(deps: Deps, health: StoreHealth, config: HttpConfig): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>()
  const auth = authParts(deps, config, config.ui === true)
  // The access log is the service's own: an app that mounts the routes logs its requests itself.
  const log = isLog(deps.log) && deps.log.enabled('info') ? deps.log : undefined
  const access = log && ((entry: AccessEntry) => log.access(entry))
  app.use('*', securityHeaders({ hsts: config.cookieSecure, trustRequestId: config.trustProxy, access }))
  // Inside the security headers, so preflights carry them too; before every route, so a preflight
  // is answered before any 405 or 404.
  const cors = corsFor(config.corsOrigins)
  if (cors) app.use('*', cors)

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
  // The pages (UI=on) first: `GET /login` is a page, `POST /login` the JSON route after it.
  if (auth.pages) app.route('/', auth.pages)
  app.route('/', auth.routes)
  mountDocs(app, { cookieSecure: config.cookieSecure })

  answerOtherMethods(app)
  app.notFound((c) => problem(c, 'not_found'))
  app.onError(authErrors(deps))
  return app
}

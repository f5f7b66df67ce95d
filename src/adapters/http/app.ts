import { Hono, type MiddlewareHandler } from 'hono'
import type { Deps } from '../../application/deps.js'
import type { StoreHealth } from '../../application/ports.js'
import { isUnavailable } from '../../domain/errors.js'
import { createAuthRoutes, methodNotAllowed } from './auth-routes.js'
import type { HttpConfig } from './config.js'
import { createCookieJar } from './cookies.js'
import { problem } from './problem.js'
import { type AuthEnv, createRequireAuth } from './require-auth.js'
import { fastJson, securityHeaders } from './security-headers.js'

/** The pieces a Hono user mounts in an app of their own. */
export interface Auth {
  /** The contract's routes as a sub-app: `app.route('/auth', auth.routes)`. */
  readonly routes: Hono<AuthEnv>
  /** AuthorizeRequest as middleware; the identity is `c.get('auth')`. */
  readonly requireAuth: MiddlewareHandler<AuthEnv>
}

/** Builds the auth routes and `requireAuth` from one set of dependencies, so storage swaps in one line. */
export function createAuth(deps: Deps, config: HttpConfig): Auth {
  const jar = createCookieJar(config.cookieSecure)
  const requireAuth = createRequireAuth(deps, config, jar)
  const routes = createAuthRoutes(deps, config, jar, requireAuth)
  routes.onError((err, c) => {
    if (isUnavailable(err)) {
      if (err.code === 'store_unavailable') deps.log.event('store_unavailable', { path: c.req.path })
      return problem(c, err.code, { retryAfter: err.retryAfter })
    }
    console.error(
      JSON.stringify({ level: 'error', msg: 'unhandled error', path: c.req.path, error: String(err?.name) }),
    )
    return problem(c, 'internal')
  })
  return { routes, requireAuth }
}

/**
 * The whole service as one Hono app, used by both runtimes: security headers, a request id,
 * `Cache-Control: no-store` on every answer, the cross-site guard, the routes, `/health`, 405 and 404.
 */
export function createApp(deps: Deps, health: StoreHealth, config: HttpConfig): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>()
  const auth = createAuth(deps, config)
  app.use('*', securityHeaders({ hsts: config.cookieSecure }))

  app.get('/health', async (c) => {
    try {
      await health.ping()
      return fastJson(c, { status: 'ok', store: health.kind })
    } catch (err) {
      return problem(c, 'store_unavailable', { retryAfter: isUnavailable(err) ? err.retryAfter : 5 })
    }
  })
  app.route('/', auth.routes)

  app.all('/health', methodNotAllowed('GET, HEAD'))
  app.notFound((c) => problem(c, 'not_found'))
  app.onError((_err, c) => problem(c, 'internal'))
  return app
}

import { Hono } from 'hono'
import type { Deps } from '../../../application/deps.js'
import type { HttpConfig } from '../config.js'
import type { CookieJar } from '../cookies.js'
import { originGuard, STATE_CHANGING } from '../guards.js'
import type { AuthEnv, RequireAuth } from '../require-auth.js'
import { mountAccountPages } from './account-routes.js'
import { mountAssets } from './assets.js'
import { featuresOf } from './page-kit.js'
import { mountPublicPages } from './public-routes.js'

/**
 * The service's own pages (`UI=on`), server-rendered, cookies only: pages at the paths people
 * open (`/`, `/login`, `/account/...`, the mail links), their forms posting to `/ui/<action>`, and
 * `/ui/style.css` and `/ui/app.js`. Mount it before the JSON routes: `GET /login` is a page here,
 * `POST /login` stays the JSON route.
 */
export function createPages(deps: Deps, config: HttpConfig, jar: CookieJar, requireAuth: RequireAuth): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>()
  // The cross-site check of the JSON routes, on every form endpoint, before any work.
  app.on(STATE_CHANGING, '/ui/*', originGuard(config, deps.log))
  const parts = { deps, config, jar, requireAuth, features: featuresOf(deps) }
  mountAssets(app)
  mountPublicPages(app, parts)
  mountAccountPages(app, parts)
  return app
}

import { type Context, Hono } from 'hono'
import {
  type AdminInput,
  disableUser,
  enableUser,
  revokeUserSessions,
  setRoles,
  viewUser,
} from '../../application/admin.js'
import type { Deps } from '../../application/deps.js'
import { ADMIN_ROLE } from '../../domain/roles.js'
import { limitBody } from './auth-routes.js'
import type { HttpConfig } from './config.js'
import type { CookieJar } from './cookies.js'
import { emptyOrJson, jsonOnly } from './guards.js'
import { problem } from './problem.js'
import { jsonBody, RolesBody } from './request-bodies.js'
import { requestDeps } from './request-log.js'
import type { AuthEnv, RequireAuth } from './require-auth.js'
import { requireRole } from './require-role.js'
import { reply } from './security-headers.js'
import { sessionJson, userJson } from './views.js'

/**
 * The `/admin` routes (docs/http-contract.md, Administration), mounted among the auth routes:
 * `requireAuth`, then `requireRole('admin')` on the token's roles, then the use case, which checks
 * again in the store (src/application/admin.ts). The cross-site guard of the auth routes runs
 * before all of it on the methods that write. One chained expression, so `hc` types them.
 */
export function createAdminRoutes(deps: Deps, config: HttpConfig, jar: CookieJar, requireAuth: RequireAuth) {
  const admin = requireRole(ADMIN_ROLE)
  const input = (c: Context<AuthEnv>): AdminInput => ({
    identity: c.get('auth'),
    userId: c.req.param('id') ?? '',
    ip: config.clientIp(c),
  })

  return new Hono<AuthEnv>()
    .get('/admin/users/:id', requireAuth, admin, async (c) => {
      const result = await viewUser(requestDeps(deps, c), input(c))
      if (!result.ok) return problem(c, result.error)
      const { user, disabled, sessions } = result.value
      return reply(c, { user: userJson(user), disabled, sessions: sessions.map(sessionJson) })
    })

    .post('/admin/users/:id/roles', limitBody, jsonOnly, requireAuth, admin, jsonBody(RolesBody), async (c) => {
      const result = await setRoles(requestDeps(deps, c), { ...input(c), roles: c.req.valid('json').roles })
      return result.ok ? reply(c, { user: userJson(result.value) }) : problem(c, result.error, result)
    })

    .post('/admin/users/:id/disable', limitBody, emptyOrJson, requireAuth, admin, async (c) => {
      const result = await disableUser(requestDeps(deps, c), input(c))
      return result.ok ? c.body(null, 204) : problem(c, result.error, result)
    })

    .post('/admin/users/:id/enable', limitBody, emptyOrJson, requireAuth, admin, async (c) => {
      const result = await enableUser(requestDeps(deps, c), input(c))
      return result.ok ? c.body(null, 204) : problem(c, result.error)
    })

    .delete('/admin/users/:id/sessions', limitBody, requireAuth, admin, async (c) => {
      const result = await revokeUserSessions(requestDeps(deps, c), input(c))
      if (!result.ok) return problem(c, result.error)
      // Every session of the caller's own account is gone, this one included.
      if (result.value.self) jar.clear(c)
      return c.body(null, 204)
    })
}

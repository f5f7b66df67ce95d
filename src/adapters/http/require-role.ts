import type { MiddlewareHandler } from 'hono'
import type { BlankInput } from 'hono/types'
import { type ProblemResponse, problem } from './problem.js'
import type { AuthEnv } from './require-auth.js'

/** `requireRole(...)`, its answers typed (403 `forbidden`; 401 when no `requireAuth` ran before it). */
export type RequireRole = MiddlewareHandler<AuthEnv, string, BlankInput, ProblemResponse<'forbidden' | 'unauthorized'>>

/**
 * Lets through a signed-in request whose access token carries at least one of `roles`; any other
 * signed-in request gets 403 `forbidden`. It goes after `requireAuth`, which names the identity:
 *
 *     app.get('/reports', auth.requireAuth, requireRole('admin', 'analyst'), handler)
 *
 * Roles are read from the access token, so a role granted or taken away counts from the user's
 * next refresh (within `ACCESS_TOKEN_TTL`; with `SESSION_CHECK=strict` a disabled account stops
 * sooner). Mounted without `requireAuth` in front, it fails closed with 401.
 */
export function requireRole(...roles: [string, ...string[]]): RequireRole {
  if (roles.length === 0 || roles.some((r) => typeof r !== 'string' || r.length === 0)) {
    throw new TypeError('requireRole needs at least one role, each a non-empty string')
  }
  const wanted = new Set(roles)
  return async (c, next) => {
    const identity = c.get('auth') as AuthEnv['Variables']['auth'] | undefined
    if (!identity) return problem(c, 'unauthorized')
    if (!identity.roles.some((r) => wanted.has(r))) return problem(c, 'forbidden')
    await next()
  }
}

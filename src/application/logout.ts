import { fail, ok, type Result } from '../domain/errors.js'
import type { SessionId } from '../domain/session.js'
import type { Deps, Identity } from './deps.js'
import { isSessionLive } from './live-session.js'

/**
 * Revokes every session the request names with valid credentials: the one named by an access
 * token with a good signature (expired is fine) and the one named by a refresh token that passes
 * its MAC check, when they differ. A forged token revokes nothing. Always succeeds: logout is
 * idempotent, and the HTTP layer clears the cookies either way.
 */
export async function logout(
  deps: Pick<Deps, 'sessions' | 'accessTokens' | 'refreshTokens' | 'clock' | 'log'>,
  input: { readonly accessToken: string | undefined; readonly refreshToken: string | undefined; readonly ip: string },
): Promise<{ revoked: SessionId[] }> {
  const [access, refresh] = await Promise.all([
    input.accessToken ? deps.accessTokens.verify(input.accessToken, deps.clock.now()) : undefined,
    input.refreshToken ? deps.refreshTokens.open(input.refreshToken) : undefined,
  ])
  const named = new Set<SessionId>()
  if (access && (access.valid || access.reason === 'expired')) named.add(access.claims.sid)
  if (refresh) named.add(refresh.sessionId)
  const revoked: SessionId[] = []
  for (const sessionId of named) {
    const owner = await deps.sessions.revoke(sessionId)
    deps.log.event('logout', { userId: owner, sessionId, ip: input.ip })
    if (owner) revoked.push(sessionId)
  }
  return { revoked }
}

/** Revokes every session of the user; the caller's own session must still be live. */
export async function logoutAll(
  deps: Pick<Deps, 'sessions' | 'clock' | 'log'>,
  input: { readonly identity: Identity; readonly ip: string },
): Promise<Result<{ revoked: number }, 'unauthorized'>> {
  if (!(await isSessionLive(deps, input.identity))) return fail('unauthorized')
  const { userId } = input.identity
  const revoked = await deps.sessions.revokeAllForUser(userId, deps.clock.now())
  deps.log.event('logout_all', { userId, revoked, ip: input.ip })
  return ok({ revoked })
}

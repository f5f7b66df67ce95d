import type { SessionId } from '../domain/session.js'
import type { UserId } from '../domain/user.js'
import type { Deps } from './deps.js'

/**
 * Revokes the session named by an access token with a good signature (expired is fine), or else by
 * a refresh token that passes its MAC check. A forged token revokes nothing. Always succeeds:
 * logout is idempotent, and the HTTP layer clears the cookies either way.
 */
export async function logout(
  deps: Pick<Deps, 'sessions' | 'accessTokens' | 'refreshTokens' | 'clock' | 'log'>,
  input: { readonly accessToken: string | undefined; readonly refreshToken: string | undefined; readonly ip: string },
): Promise<{ revoked: SessionId | null }> {
  let sessionId: SessionId | null = null
  if (input.accessToken) {
    const verdict = await deps.accessTokens.verify(input.accessToken, deps.clock.now())
    if (verdict.valid || verdict.reason === 'expired') sessionId = verdict.claims.sid
  }
  if (!sessionId && input.refreshToken) {
    sessionId = (await deps.refreshTokens.open(input.refreshToken))?.sessionId ?? null
  }
  if (!sessionId) return { revoked: null }
  const owner = await deps.sessions.revoke(sessionId)
  deps.log.event('logout', { userId: owner, sessionId, ip: input.ip })
  return { revoked: owner ? sessionId : null }
}

/** Revokes every session of the user; the caller is already authorised. */
export async function logoutAll(
  deps: Pick<Deps, 'sessions' | 'log'>,
  input: { readonly userId: UserId; readonly ip: string },
): Promise<{ revoked: number }> {
  const revoked = await deps.sessions.revokeAllForUser(input.userId)
  deps.log.event('logout_all', { userId: input.userId, revoked, ip: input.ip })
  return { revoked }
}

import type { Session } from '../domain/session.js'
import { earliest, type Instant } from '../domain/units.js'
import type { Deps, IssuedTokens } from './deps.js'

/**
 * Mints the access token and the refresh token for a session's current generation. The access
 * token carries the user's `roles` as the caller just read them, and ends with the session at the
 * latest (or at `accessNotAfter`, when the caller wants it shorter).
 */
export async function issueTokens(
  deps: Pick<Deps, 'accessTokens' | 'refreshTokens'>,
  session: Session,
  roles: readonly string[],
  now: Instant,
  accessNotAfter: Instant = session.absoluteExpiresAt,
): Promise<IssuedTokens> {
  const subject = { userId: session.userId, sessionId: session.id, roles }
  const [access, refreshToken] = await Promise.all([
    deps.accessTokens.issue(subject, now, earliest(accessNotAfter, session.absoluteExpiresAt)),
    deps.refreshTokens.issue(session.id, session.generation),
  ])
  return {
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken,
    refreshTokenExpiresAt: session.expiresAt,
  }
}

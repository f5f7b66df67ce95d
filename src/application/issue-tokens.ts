import type { Session } from '../domain/session.js'
import type { Instant } from '../domain/units.js'
import type { Deps, IssuedTokens } from './deps.js'

/**
 * Mints the access token and the refresh token for a session's current generation. The access
 * token ends with the session at the latest.
 */
export async function issueTokens(
  deps: Pick<Deps, 'accessTokens' | 'refreshTokens'>,
  session: Session,
  now: Instant,
): Promise<IssuedTokens> {
  const [access, refreshToken] = await Promise.all([
    deps.accessTokens.issue(session.userId, session.id, now, session.absoluteExpiresAt),
    deps.refreshTokens.issue(session.id, session.generation),
  ])
  return {
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken,
    refreshTokenExpiresAt: session.expiresAt,
  }
}

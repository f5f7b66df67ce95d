import type { Deps, Identity } from './deps.js'

/**
 * Whether the caller's session is still live: the check that every route that writes or lists
 * sessions makes (docs/http-contract.md, AuthorizeRequest step 5), so the access token of a revoked session
 * can read but no longer change anything. Free when this request already rotated the session.
 */
export async function isSessionLive(deps: Pick<Deps, 'sessions' | 'clock'>, identity: Identity): Promise<boolean> {
  if (identity.sessionConfirmed) return true
  const session = await deps.sessions.find(identity.sessionId, deps.clock.now())
  return session !== null && session.userId === identity.userId
}

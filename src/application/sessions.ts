import { fail, ok, type Result } from '../domain/errors.js'
import { isSessionIdShape, type Session, type SessionId } from '../domain/session.js'
import type { Instant } from '../domain/units.js'
import type { Deps, Identity } from './deps.js'
import { isSessionLive } from './live-session.js'

export interface SessionView {
  readonly id: SessionId
  /** The HTTP edge formats the instants. */
  readonly createdAt: Instant
  readonly lastUsedAt: Instant
  readonly expiresAt: Instant
  readonly userAgent: string | null
  readonly current: boolean
}

/**
 * The caller's live sessions, newest first, the current one marked. A caller whose own session is
 * not among them (revoked behind a still-valid access token) is `unauthorized`.
 */
export async function listSessions(
  deps: Pick<Deps, 'sessions' | 'clock'>,
  identity: Identity,
): Promise<Result<{ sessions: SessionView[] }, 'unauthorized'>> {
  const sessions = await deps.sessions.listForUser(identity.userId, deps.clock.now())
  // Absent from the list, the session may still be live where the index lags (KV): ask for it by id.
  if (!sessions.some((s) => s.id === identity.sessionId) && !(await isSessionLive(deps, identity))) {
    return fail('unauthorized')
  }
  return ok({ sessions: sessionViews(sessions, identity.sessionId) })
}

/** Sessions as `GET /sessions` shows them: newest first, the one named `current` marked. */
export const sessionViews = (sessions: readonly Session[], current: SessionId | null): SessionView[] =>
  [...sessions]
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((s) => ({
      id: s.id,
      createdAt: s.createdAt,
      lastUsedAt: s.lastUsedAt,
      expiresAt: s.expiresAt,
      userAgent: s.userAgent,
      current: s.id === current,
    }))

/**
 * Revokes one of the caller's sessions; someone else's, or none, is `not_found` (never 403: no
 * oracle). The caller's own session must still be live.
 */
export async function revokeSession(
  deps: Pick<Deps, 'sessions' | 'clock' | 'log'>,
  input: { readonly identity: Identity; readonly sessionId: string; readonly ip: string },
): Promise<Result<{ current: boolean }, 'not_found' | 'unauthorized'>> {
  const { identity } = input
  // Anything not shaped like an id is nobody's session: no store is asked about it.
  if (!isSessionIdShape(input.sessionId)) return fail('not_found')
  // Revoking the current session reads it once: the target is then the caller's own.
  const own = input.sessionId === identity.sessionId
  const [target, live] = await Promise.all([
    deps.sessions.find(input.sessionId, deps.clock.now()),
    own ? undefined : isSessionLive(deps, identity),
  ])
  const callerLive = own ? identity.sessionConfirmed === true || target?.userId === identity.userId : live
  if (!callerLive) return fail('unauthorized')
  if (!target || target.userId !== identity.userId) return fail('not_found')
  await deps.sessions.revoke(target.id)
  deps.log.event('session_revoked', { userId: target.userId, sessionId: target.id, ip: input.ip })
  return ok({ current: target.id === input.identity.sessionId })
}

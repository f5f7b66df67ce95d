import { fail, ok, type Result } from '../domain/errors.js'
import { isSessionIdShape, type SessionId } from '../domain/session.js'
import type { Deps, Identity } from './deps.js'

export interface SessionView {
  readonly id: SessionId
  readonly createdAt: string
  readonly lastUsedAt: string
  readonly expiresAt: string
  readonly userAgent: string | null
  readonly current: boolean
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** The caller's live sessions, newest first, the current one marked. */
export async function listSessions(
  deps: Pick<Deps, 'sessions' | 'clock'>,
  identity: Identity,
): Promise<{ sessions: SessionView[] }> {
  const sessions = await deps.sessions.listForUser(identity.userId, deps.clock.now())
  return {
    sessions: sessions
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((s) => ({
        id: s.id,
        createdAt: iso(s.createdAt),
        lastUsedAt: iso(s.lastUsedAt),
        expiresAt: iso(s.expiresAt),
        userAgent: s.userAgent,
        current: s.id === identity.sessionId,
      })),
  }
}

/** Revokes one of the caller's sessions; someone else's, or none, is `not_found` (never 403: no oracle). */
export async function revokeSession(
  deps: Pick<Deps, 'sessions' | 'clock' | 'log'>,
  input: { readonly identity: Identity; readonly sessionId: string; readonly ip: string },
): Promise<Result<{ current: boolean }, 'not_found'>> {
  // Anything not shaped like an id is nobody's session: no store is asked about it.
  if (!isSessionIdShape(input.sessionId)) return fail('not_found')
  const target = await deps.sessions.find(input.sessionId, deps.clock.now())
  if (!target || target.userId !== input.identity.userId) return fail('not_found')
  await deps.sessions.revoke(target.id)
  deps.log.event('session_revoked', { userId: target.userId, sessionId: target.id, ip: input.ip })
  return ok({ current: target.id === input.identity.sessionId })
}

import type { SessionId } from '../domain/session.js'
import { type Instant, instant } from '../domain/units.js'
import type { UserId } from '../domain/user.js'
import type { Deps } from './deps.js'

/**
 * What the strict check found: `remembered` (a live answer younger than the max-age), `confirmed`
 * (the store said live just now), `ended` (the session is gone, belongs to someone else, or its
 * user is gone) or `disabled` (the user is disabled, whatever the session).
 */
export type SessionCheck = 'remembered' | 'confirmed' | 'ended' | 'disabled'

/**
 * `SESSION_CHECK=strict`: whether a valid access token's session is still live in the store and
 * its user not disabled. The session and the user are read together; a live answer is remembered
 * for `sessionCheckMaxAge` counted from before the reads, so a revocation the store shows is
 * honoured within that bound however slowly a read answered. Refusals are never remembered: the
 * next request asks the store again. An unreachable store throws (the caller answers 503).
 */
export async function checkSession(
  deps: Pick<Deps, 'users' | 'sessions' | 'clock' | 'policy' | 'confirmedSessions'>,
  identity: { readonly userId: UserId; readonly sessionId: SessionId },
): Promise<SessionCheck> {
  const { userId, sessionId } = identity
  const now = deps.clock.now()
  if (deps.confirmedSessions.has(sessionId, userId, now)) return 'remembered'
  const [session, user] = await Promise.all([deps.sessions.find(sessionId, now), deps.users.findById(userId)])
  if (user?.disabled === true) return 'disabled'
  if (!user || !session || session.userId !== userId) return 'ended'
  const until: Instant = instant(now + deps.policy.sessionCheckMaxAge)
  deps.confirmedSessions.remember(sessionId, userId, until, deps.clock.now())
  return 'confirmed'
}

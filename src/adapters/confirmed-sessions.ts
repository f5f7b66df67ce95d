import type { ConfirmedSessions } from '../application/ports.js'
import type { SessionId } from '../domain/session.js'
import type { UserId } from '../domain/user.js'
import { BoundedExpiringMap } from './bounded-map.js'

/** How many confirmed sessions one process remembers by default: past it the oldest go first. */
export const CONFIRMED_SESSIONS_CACHE_SIZE = 10_000

/**
 * The strict session check's memory: session id to the user the store confirmed it for, each
 * entry until the instant the use case gives (the start of its read plus `SESSION_CHECK_MAX_AGE`),
 * so an entry never outlives the bound however late its read answered. An evicted entry costs one
 * more read, never a pass.
 */
export function confirmedSessionCache(maxEntries = CONFIRMED_SESSIONS_CACHE_SIZE): ConfirmedSessions {
  const confirmed = new BoundedExpiringMap<SessionId, UserId>(maxEntries)
  return {
    has: (sessionId, userId, now) => confirmed.get(sessionId, now) === userId,
    remember: (sessionId, userId, until, now) => {
      if (until > now) confirmed.set(sessionId, userId, until, now)
    },
  }
}

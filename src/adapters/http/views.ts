import type { SessionView } from '../../application/sessions.js'
import type { PublicUser } from '../../domain/user.js'

/** The largest instant a `Date` can hold (ms): formatting anything beyond it throws. */
const MAX_DATE_MS = 8.64e15

/**
 * An instant (ms since the epoch) as an ISO 8601 string that never throws: out-of-range values
 * are clamped to what a `Date` can hold. The only place instants become text.
 */
export const isoTime = (ms: number): string =>
  new Date(Number.isNaN(ms) ? 0 : Math.min(Math.max(ms, -MAX_DATE_MS), MAX_DATE_MS)).toISOString()

/** The contract's `user`, timestamps as ISO strings. */
export const userJson = (u: PublicUser) => ({ id: u.id, email: u.email, name: u.name, createdAt: isoTime(u.createdAt) })

/** One entry of `GET /sessions`, timestamps as ISO strings. */
export const sessionJson = (s: SessionView) => ({
  id: s.id,
  createdAt: isoTime(s.createdAt),
  lastUsedAt: isoTime(s.lastUsedAt),
  expiresAt: isoTime(s.expiresAt),
  userAgent: s.userAgent,
  current: s.current,
})

import { after, between, earliest, type Generation, type Instant, type Millis, nextGeneration } from './units.js'
import type { UserId } from './user.js'

export type SessionId = string & { readonly __brand: 'SessionId' }

/** Whether a string has the shape of a session id (base64url, 16 to 64 characters). */
export const isSessionIdShape = (s: string): s is SessionId => /^[A-Za-z0-9_-]{16,64}$/.test(s)

/**
 * A login session. The store keeps this record and never a refresh token: the token is
 * `id.generation.mac` with a MAC under a server key, so a dump of the store yields nothing usable.
 * Instants and durations carry their unit in the type (src/domain/units.ts).
 */
export interface Session {
  readonly id: SessionId
  readonly userId: UserId
  /** Counts rotations; the current refresh token carries it. */
  readonly generation: Generation
  readonly createdAt: Instant
  /** When `generation` last changed (equal to `createdAt` before the first rotation). */
  readonly rotatedAt: Instant
  readonly lastUsedAt: Instant
  /** Sliding expiry, renewed by each rotation, never past `absoluteExpiresAt`. */
  readonly expiresAt: Instant
  /** `createdAt + SESSION_MAX_LIFETIME`: no rotation extends a session beyond it. */
  readonly absoluteExpiresAt: Instant
  readonly userAgent: string | null
}

/**
 * How many live sessions one user may hold unless configured otherwise (`MAX_SESSIONS_PER_USER`).
 * A new session past it revokes that user's oldest: one account must never be able to fill a store
 * and push other users' sessions out.
 */
export const DEFAULT_MAX_SESSIONS_PER_USER = 100

/**
 * Which of a user's other live sessions a new session makes go, so the user keeps at most
 * `maxPerUser` (the new one included): the oldest by `createdAt` (then id, so every store agrees).
 */
export function sessionsBeyondCap<T extends { readonly id: string; readonly createdAt: number }>(
  others: readonly T[],
  maxPerUser: number,
): T[] {
  const keep = Math.max(0, Math.floor(maxPerUser) - 1)
  const oldestFirst = [...others].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return oldestFirst.slice(0, Math.max(0, oldestFirst.length - keep))
}

/** Rotation rules a store applies inside its one atomic step. */
export interface RotationPolicy {
  /** How long the previous generation still yields the current state. */
  readonly graceMs: Millis
  /** Sliding lifetime granted by each rotation. */
  readonly slidingMs: Millis
}

/**
 * What a rotation attempt found, decided atomically by the store:
 * - `rotated`: `from` was current; the session now holds `from + 1`.
 * - `grace`: `from` was the previous generation, presented within the grace window; nothing changed.
 * - `reused`: an older generation, or the previous one too late; the store has revoked the session.
 * - `missing`: no live session with that id.
 */
export type RotateOutcome =
  | { readonly kind: 'rotated'; readonly session: Session }
  | { readonly kind: 'grace'; readonly session: Session }
  | { readonly kind: 'reused'; readonly userId: UserId }
  | { readonly kind: 'missing' }

/**
 * Whether a session is live at `now`: the one rule every store applies (SQL and Lua mirror it as
 * `expires_at > now`). Its sliding expiry never passes its absolute end, so this covers both.
 */
export const isLiveAt = (session: Session, now: Instant): boolean => session.expiresAt > now

/**
 * The pure decision every store applies; memory and Durable Object stores call it directly,
 * the Redis Lua script mirrors it line by line.
 */
export function decideRotation(
  session: Session | null,
  from: Generation,
  now: Instant,
  policy: RotationPolicy,
): { outcome: RotateOutcome; next: Session | null } {
  if (!session || !isLiveAt(session, now)) return { outcome: { kind: 'missing' }, next: null }
  if (from === session.generation) {
    const next: Session = {
      ...session,
      generation: nextGeneration(session.generation),
      rotatedAt: now,
      lastUsedAt: now,
      expiresAt: earliest(after(now, policy.slidingMs), session.absoluteExpiresAt),
    }
    return { outcome: { kind: 'rotated', session: next }, next }
  }
  if (nextGeneration(from) === session.generation && between(session.rotatedAt, now) <= policy.graceMs) {
    return { outcome: { kind: 'grace', session }, next: session }
  }
  return { outcome: { kind: 'reused', userId: session.userId }, next: null }
}

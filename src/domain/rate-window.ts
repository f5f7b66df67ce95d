/**
 * Fixed-window rate limiting: the one rule every store applies. Memory and Durable Object stores
 * call `decideHit` directly; the Redis Lua script RATE_HIT mirrors it line by line.
 */
import { after, between, type Instant, type Millis } from './units.js'

/** At most `limit` events per key in each window. */
export interface RateRule {
  readonly limit: number
  readonly window: Millis
  /**
   * Whether a bounded store may drop a live window of this rule to make room for another key. True
   * for a per-client throttle (forgetting one only gives that client a fresh window, and a flood of
   * new clients must not stop everyone); absent for a lockout, which must outlive any flood, so a
   * full store refuses new keys (503) instead.
   */
  readonly mayForget?: boolean
  /**
   * A counter a bounded store keeps in room of its own: the mail limits, which any address can
   * open (`/password/forgot` counts unknown addresses too), so that filling their room can refuse
   * more mail but never a login's lockout counter.
   */
  readonly room?: 'mail'
}

/** Whether one more event is allowed, else how long until the window ends. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfter: Millis }

/** One key's counter: how many events its window has counted, and when the window ends. */
export interface RateWindow {
  readonly count: number
  readonly end: Instant
}

/**
 * Counts one event at `now`. A window that has ended (`end <= now`) counts as none: the event
 * opens a new window of `rule.window` from `now`. The store writes `next` back, in the same
 * atomic step as its read of `current`, and keeps it until `next.end`.
 */
export function decideHit(
  current: RateWindow | null,
  rule: RateRule,
  now: Instant,
): { next: RateWindow; decision: RateDecision } {
  const next =
    current && current.end > now
      ? { count: current.count + 1, end: current.end }
      : { count: 1, end: after(now, rule.window) }
  if (next.count <= rule.limit) return { next, decision: { allowed: true } }
  return { next, decision: { allowed: false, retryAfter: between(now, next.end) } }
}

/**
 * Fixed-window rate limiting: the one rule every store applies. Memory and Durable Object stores
 * call `decideHit` directly; the Redis Lua script RATE_HIT mirrors it line by line.
 * All instants are milliseconds since the epoch.
 */

/** At most `limit` events per key in each window of `windowSeconds`. */
export interface RateRule {
  readonly limit: number
  readonly windowSeconds: number
}

/** Whether one more event is allowed, else how many seconds until the window ends (at least 1). */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfter: number }

/** One key's counter: how many events its window has counted, and when the window ends. */
export interface RateWindow {
  readonly count: number
  readonly end: number
}

/**
 * Counts one event at `now`. A window that has ended (`end <= now`) counts as none: the event
 * opens a new window of `rule.windowSeconds` from `now`. The store writes `next` back, in the same
 * atomic step as its read of `current`, and keeps it until `next.end`.
 */
export function decideHit(
  current: RateWindow | null,
  rule: RateRule,
  now: number,
): { next: RateWindow; decision: RateDecision } {
  const next =
    current && current.end > now
      ? { count: current.count + 1, end: current.end }
      : { count: 1, end: now + rule.windowSeconds * 1000 }
  if (next.count <= rule.limit) return { next, decision: { allowed: true } }
  return { next, decision: { allowed: false, retryAfter: Math.max(1, Math.ceil((next.end - now) / 1000)) } }
}

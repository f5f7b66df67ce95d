import type { RateDecision, RateRule } from '../../../application/ports.js'
import type { Tables } from './rows.js'

/**
 * The `rate:<key>` role of an `AuthStoreObject` (object.ts exposes it over RPC): one fixed-window
 * counter, read and written synchronously, so two hits never read the same count.
 */

const denied = (end: number, now: number): RateDecision => ({
  allowed: false,
  retryAfter: Math.max(1, Math.ceil((end - now) / 1000)),
})

function window(db: Tables, key: string, now: number): { n: number; end: number } | null {
  const row = db.read('counter')?.exec('SELECT n, window_end FROM counter WHERE key = ?', key).toArray()[0]
  return row && Number(row.window_end) > now ? { n: Number(row.n), end: Number(row.window_end) } : null
}

/** Counts one hit. `opened` is the end of the window this hit opened, if it opened one. */
export function hit(
  db: Tables,
  key: string,
  rule: RateRule,
  now: number,
): { decision: RateDecision; opened: number | null } {
  const current = window(db, key, now)
  const next = current ? { n: current.n + 1, end: current.end } : { n: 1, end: now + rule.windowSeconds * 1000 }
  db.write('counter').exec(
    'INSERT OR REPLACE INTO counter (key, n, window_end) VALUES (?, ?, ?)',
    key,
    next.n,
    next.end,
  )
  const decision = next.n <= rule.limit ? ({ allowed: true } as const) : denied(next.end, now)
  return { decision, opened: current ? null : next.end }
}

export function reset(db: Tables, key: string): void {
  db.read('counter')?.exec('DELETE FROM counter WHERE key = ?', key)
}

import { decideHit, type RateDecision, type RateRule, type RateWindow } from '../../../domain/rate-window.js'
import { type Instant, instant } from '../../../domain/units.js'
import type { Tables } from './rows.js'

/**
 * The `rate:<key>` role of an `AuthStoreObject` (object.ts exposes it over RPC): one fixed-window
 * counter, `decideHit` applied to a row read and written synchronously, so two hits never read
 * the same count.
 */

/** The stored window, ended or not: `decideHit` decides whether it still counts. */
function stored(db: Tables, key: string): RateWindow | null {
  const row = db.read('counter')?.exec('SELECT n, window_end FROM counter WHERE key = ?', key).toArray()[0]
  return row ? { count: Number(row.n), end: instant(Number(row.window_end)) } : null
}

/** Counts one hit. `opened` is the end of the window this hit opened, if it opened one. */
export function hit(
  db: Tables,
  key: string,
  rule: RateRule,
  now: Instant,
): { decision: RateDecision; opened: Instant | null } {
  const { next, decision } = decideHit(stored(db, key), rule, now)
  db.write('counter').exec(
    'INSERT OR REPLACE INTO counter (key, n, window_end) VALUES (?, ?, ?)',
    key,
    next.count,
    next.end,
  )
  // A window's first hit opened it (a continuing window has counted at least one before).
  return { decision, opened: next.count === 1 ? next.end : null }
}

export function reset(db: Tables, key: string): void {
  db.read('counter')?.exec('DELETE FROM counter WHERE key = ?', key)
}

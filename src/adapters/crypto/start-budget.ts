/** How fast key derivations may start: `burst` at once, then `perSecond` on average. */
export interface StartRate {
  readonly perSecond: number
  readonly burst: number
}

/**
 * A token bucket of derivation starts, for runtimes where a KDF runs on the request's own thread
 * (workerd) and so a concurrency gate never sees two at once. `take` spends a token or throws
 * `overflow(retryAfterSeconds)` at once; the returned `settle(work)` reports the work the holder
 * really did, in derivations (a heavier check, such as an imported bcrypt or argon2id hash, counts
 * its weight, `legacyWeight`): none gives the token back, more than one is charged (the balance
 * may go below zero, which delays later starts). Over any interval, the work settled ≤ burst +
 * perSecond · elapsed, plus the last holder's work beyond its one token.
 *
 * In workerd `Date.now()` stands still during synchronous work and moves on at the next I/O. A
 * clock that lags only under-counts the refill, so the bound errs on the side of refusing.
 */
export function createStartBudget(rate: StartRate, now: () => number, overflow: (retryAfter: number) => Error) {
  if (!(rate.perSecond > 0) || !(rate.burst >= 1)) throw new Error('a start rate needs perSecond > 0 and burst ≥ 1')
  let tokens = rate.burst
  let last = now()

  const refill = (): void => {
    const t = now()
    if (t > last) tokens = Math.min(rate.burst, tokens + ((t - last) / 1000) * rate.perSecond)
    last = Math.max(last, t)
  }

  return {
    take(): (work: number) => void {
      refill()
      if (tokens < 1) throw overflow(Math.max(1, Math.ceil((1 - tokens) / rate.perSecond)))
      tokens -= 1
      let open = true
      return (work) => {
        if (!open) return
        open = false
        refill()
        tokens = Math.min(rate.burst, tokens + 1 - work)
      }
    },
  }
}

import type { RateDecision, RateLimiter } from '../../../application/ports.js'
import { millis } from '../../../domain/units.js'
import { guarded } from '../outage.js'
import type { KeySpace } from './keys.js'
import type { RedisLike, Reply, RunScript } from './scripts.js'
import { REDIS_OUTAGES } from './unavailable.js'

/** The `{allowed, retryAfter}` pair the rate script answers, as the port's decision. */
function toDecision(reply: Reply): RateDecision {
  if (!Array.isArray(reply)) throw new Error('Redis rate script: unexpected reply')
  const [allowed, retryAfter] = reply.map(Number)
  if (allowed === 1) return { allowed: true }
  if (allowed === 0 && retryAfter !== undefined && Number.isFinite(retryAfter))
    return { allowed: false, retryAfter: millis(retryAfter) }
  throw new Error('Redis rate script: unexpected reply')
}

/**
 * Fixed-window counters in Redis: one hash per key (`rate:{key}` with `count` and `end`) that
 * expires when its window ends (PEXPIREAT). A hit is one script, so parallel hits never read
 * the same count; `retryAfter` is `end - now`.
 */
export function createRedisRateLimiter(client: RedisLike, run: RunScript, keys: KeySpace): RateLimiter {
  return {
    hit: (key, rule, now) =>
      guarded(
        async () => toDecision(await run('rateHit', keys.rate(key), [now, rule.window, rule.limit])),
        REDIS_OUTAGES,
      ),

    // One DEL is atomic by itself; a script would add a round trip's worth of nothing.
    reset: (key) =>
      guarded(async () => {
        await client.del(keys.rate(key))
      }, REDIS_OUTAGES),
  }
}

import { fail } from '../domain/errors.js'
import { type Instant, seconds } from '../domain/units.js'
import type { AuthPolicy, Deps } from './deps.js'
import type { RateRule } from './ports.js'

/** The routes limited per client IP, each with a counter of its own (`POST /register`, ...). */
export type IpLimitedRoute = 'register' | 'login' | 'refresh'

/** Requests per client IP per minute to one route: the one rule and the one key scheme for all three. */
const perIpRule = (policy: AuthPolicy): RateRule => ({
  limit: policy.rateLimitPerMinute,
  window: seconds(60),
  mayForget: true,
})
const perIpKey = (route: IpLimitedRoute, ip: string): string => `ip:${route}:${ip}`

/**
 * Counts one request of `ip` to `route`; answers the `rate_limited` failure to return when the
 * client is over `RATE_LIMIT_PER_MINUTE`, else null. Transparent refreshes never come here.
 */
export async function throttleIp(
  deps: Pick<Deps, 'limiter' | 'policy'>,
  route: IpLimitedRoute,
  ip: string,
  now: Instant,
): Promise<ReturnType<typeof fail<'rate_limited'>> | null> {
  const decision = await deps.limiter.hit(perIpKey(route, ip), perIpRule(deps.policy), now)
  return decision.allowed ? null : fail('rate_limited', { retryAfter: decision.retryAfter })
}

/** Failed logins per normalised email. */
export const loginFailureRule = (policy: AuthPolicy): RateRule => ({
  limit: policy.loginFailureLimit,
  window: policy.loginFailureWindow,
})

export const loginFailureKey = (email: string): string => `login-fail:${email}`

import { fail } from '../domain/errors.js'
import { type Instant, seconds } from '../domain/units.js'
import type { AuthPolicy, Deps } from './deps.js'
import type { RateRule } from './ports.js'

/** What a throttle answers: null when allowed, else the `rate_limited` failure to return. */
type Throttled = ReturnType<typeof fail<'rate_limited'>> | null

/** Counts one event under `key`; the one conversion of a refused hit into a `rate_limited` failure. */
async function counted(deps: Pick<Deps, 'limiter'>, key: string, rule: RateRule, now: Instant): Promise<Throttled> {
  const decision = await deps.limiter.hit(key, rule, now)
  return decision.allowed ? null : fail('rate_limited', { retryAfter: decision.retryAfter })
}

/** The routes limited per client IP, each with a counter of its own (`POST /register`, ...). */
export type IpLimitedRoute =
  | 'register'
  | 'login'
  | 'refresh'
  | 'verify-request'
  | 'verify'
  | 'forgot'
  | 'reset'
  | 'password'
  | 'email'
  | 'account'

/** Requests per client IP per minute to one route: the one rule and the one key scheme for all. */
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
): Promise<Throttled> {
  return counted(deps, perIpKey(route, ip), perIpRule(deps.policy), now)
}

/** Failed logins per normalised email. */
export const loginFailureRule = (policy: AuthPolicy): RateRule => ({
  limit: policy.loginFailureLimit,
  window: policy.loginFailureWindow,
})

export const loginFailureKey = (email: string): string => `login-fail:${email}`

/**
 * Mails to one address per hour (CONTRACT.md: 5 by default), in two counters. `/password/forgot`
 * has one of its own that only its requests count, known address or not, so its 429 depends on
 * nothing but how often it was asked: a counter shared with the registration's mail would answer
 * 429 sooner for an address that registered this hour, and tell that it exists. Every other mail
 * (verification, address change) counts in the other. Lockout-like, not forgettable: a flood of
 * other keys must not reopen an address to mail.
 */
export type MailCounter = 'forgot' | 'account'

export const mailRule = (policy: AuthPolicy): RateRule => ({
  limit: policy.mailsPerAddressPerHour,
  window: seconds(3600),
  room: 'mail',
})
export const mailKey = (counter: MailCounter, email: string): string => `mail-to:${counter}:${email}`

/** Counts one mail to `email`; the `rate_limited` failure when the address has had its share this hour. */
export async function throttleMail(
  deps: Pick<Deps, 'limiter' | 'policy'>,
  counter: MailCounter,
  email: string,
  now: Instant,
): Promise<Throttled> {
  return counted(deps, mailKey(counter, email), mailRule(deps.policy), now)
}

/**
 * Mails one client IP may cause per hour, across the routes that send them: the per-minute route
 * limit alone would let one address send thousands of reset mails an hour to as many addresses.
 */
export const MAILS_PER_IP_PER_HOUR = 30

/** Counts one mail caused by `ip`; the `rate_limited` failure past `MAILS_PER_IP_PER_HOUR`. */
export async function throttleIpMail(deps: Pick<Deps, 'limiter'>, ip: string, now: Instant): Promise<Throttled> {
  const rule: RateRule = { limit: MAILS_PER_IP_PER_HOUR, window: seconds(3600), mayForget: true }
  return counted(deps, `ip:mail:${ip}`, rule, now)
}

import type { AuthPolicy } from './deps.js'
import type { RateRule } from './ports.js'

/** Requests per client IP per minute to one of `/register`, `/login`, `/refresh`. */
export const perIpRule = (policy: AuthPolicy): RateRule => ({ limit: policy.rateLimitPerMinute, windowSeconds: 60 })

/** Failed logins per normalised email. */
export const loginFailureRule = (policy: AuthPolicy): RateRule => ({
  limit: policy.loginFailureLimit,
  windowSeconds: policy.loginFailureWindow,
})

export const loginFailureKey = (email: string): string => `login-fail:${email}`

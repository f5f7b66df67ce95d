import type { AuthPolicy, Deps } from '../application/deps.js'
import type { Clock, PasswordHasher, Random, SecurityLog, Stores } from '../application/ports.js'
import type { Settings } from './config/settings.js'
import { createAccessTokens } from './crypto/access-tokens.js'
import { createRefreshTokens } from './crypto/refresh-tokens.js'
import { systemClock, webRandom } from './crypto/web-runtime.js'
import { jsonLog } from './log.js'

/** The policy part of the settings. */
export const policyFrom = (s: Settings): AuthPolicy => ({
  accessTokenTtl: s.accessTokenTtl,
  refreshTokenTtl: s.refreshTokenTtl,
  refreshReuseGrace: s.refreshReuseGrace,
  sessionMaxLifetime: s.sessionMaxLifetime,
  loginFailureLimit: s.loginFailureLimit,
  loginFailureWindow: 15 * 60,
  rateLimitPerMinute: s.rateLimitPerMinute,
})

export interface DepsOptions {
  readonly stores: Stores
  readonly hasher: PasswordHasher
  readonly secret: string
  readonly policy: AuthPolicy
  readonly issuer?: string | undefined
  readonly audience?: string | undefined
  readonly clock?: Clock
  readonly random?: Random
  readonly log?: SecurityLog
  /** Verified access tokens remembered (0 turns the cache off). */
  readonly tokenCacheSize?: number
}

/** Wires ports to adapters; both composition roots and the tests call this. Keys are imported once here. */
export async function buildDeps(o: DepsOptions): Promise<Deps> {
  const [accessTokens, refreshTokens] = await Promise.all([
    createAccessTokens({
      secret: o.secret,
      ttl: o.policy.accessTokenTtl,
      issuer: o.issuer,
      audience: o.audience,
      ...(o.tokenCacheSize !== undefined && { cacheSize: o.tokenCacheSize }),
    }),
    createRefreshTokens(o.secret),
  ])
  return {
    users: o.stores.users,
    sessions: o.stores.sessions,
    limiter: o.stores.limiter,
    hasher: o.hasher,
    accessTokens,
    refreshTokens,
    clock: o.clock ?? systemClock,
    random: o.random ?? webRandom,
    log: o.log ?? jsonLog(),
    policy: o.policy,
  }
}

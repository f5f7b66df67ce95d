import type { AuthPolicy, Deps } from '../application/deps.js'
import type { Clock, PasswordHasher, Random, SecurityLog, Stores } from '../application/ports.js'
import type { Settings } from './config/settings.js'
import { createAccessTokens } from './crypto/access-tokens.js'
import { createRefreshTokens } from './crypto/refresh-tokens.js'
import { createScryptHasher, type ScryptHasherOptions } from './crypto/scrypt-hasher.js'
import { systemClock, webRandom } from './crypto/web-runtime.js'
import { createApp } from './http/app.js'
import type { HttpConfig } from './http/config.js'
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
  maxSessionsPerUser: s.maxSessionsPerUser,
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
    createRefreshTokens(o.secret, { issuer: o.issuer, audience: o.audience }),
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

/**
 * The whole service from validated settings, over the given stores: where both composition roots
 * meet. Without a configured secret (parseSettings allows that outside production only) it makes
 * an ephemeral one and warns.
 */
export async function buildService(o: {
  readonly settings: Settings
  readonly stores: Stores
  readonly clientIp: HttpConfig['clientIp']
  /** Verified access tokens remembered; for benchmarks that measure the uncached path. */
  readonly tokenCacheSize?: number
  readonly log?: SecurityLog
  /** How the password hasher bounds its KDF work; the Worker passes a start rate (src/worker.ts). */
  readonly kdf?: ScryptHasherOptions
}) {
  const { settings, stores } = o
  let secret = settings.jwtSecret
  if (!secret) {
    secret = webRandom.id() + webRandom.id()
    console.warn('JWT_SECRET is not set: using an ephemeral secret; every session ends when this instance stops.')
  }
  const deps = await buildDeps({
    stores,
    hasher: createScryptHasher(o.kdf),
    secret,
    policy: policyFrom(settings),
    issuer: settings.jwtIssuer,
    audience: settings.jwtAudience,
    ...(o.tokenCacheSize !== undefined && { tokenCacheSize: o.tokenCacheSize }),
    ...(o.log && { log: o.log }),
  })
  return createApp(deps, stores.health, {
    cookieSecure: settings.cookieSecure,
    publicOrigin: settings.publicOrigin,
    allowedOrigins: settings.allowedOrigins,
    clientIp: o.clientIp,
  })
}

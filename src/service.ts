import { type MailSettings, refuseAdminEmailsUnverified } from './adapters/config/mail-settings.js'
import { type Settings, SettingsError } from './adapters/config/settings.js'
import { confirmedSessionCache } from './adapters/confirmed-sessions.js'
import { createAccessTokens } from './adapters/crypto/access-tokens.js'
import { accountTokenMint } from './adapters/crypto/account-tokens.js'
import { createRefreshTokens } from './adapters/crypto/refresh-tokens.js'
import { createScryptHasher, type ScryptHasherOptions } from './adapters/crypto/scrypt-hasher.js'
import { type AccessTokenAlg, KeyMaterialError, keyRing } from './adapters/crypto/signing-keys.js'
import { systemClock, webRandom } from './adapters/crypto/web-runtime.js'
import { createApp } from './adapters/http/app.js'
import type { HttpConfig } from './adapters/http/config.js'
import { jsonLog, logFor } from './adapters/log.js'
import { type AuthPolicy, type Background, type Deps, later } from './application/deps.js'
import type { Clock, Mailer, PasswordHasher, Random, SecurityLog, Stores } from './application/ports.js'
import { seconds } from './domain/units.js'

/** The account lifecycle's part of the policy when no mail settings are given: no mail at all. */
const NO_MAIL = { emailVerification: 'off', passwordReset: false } as const

/** How many mails one address may be sent per hour (CONTRACT.md's default). */
export const MAILS_PER_ADDRESS_PER_HOUR = 5

/** The policy part of the settings: lifetimes given in seconds become ms here, once. */
export const policyFrom = (
  s: Settings,
  mail?: Pick<MailSettings, 'emailVerification' | 'passwordReset'>,
): AuthPolicy => ({
  accessTokenTtl: seconds(s.accessTokenTtl),
  refreshTokenTtl: seconds(s.refreshTokenTtl),
  refreshReuseGrace: seconds(s.refreshReuseGrace),
  sessionMaxLifetime: seconds(s.sessionMaxLifetime),
  loginFailureLimit: s.loginFailureLimit,
  loginFailureWindow: seconds(15 * 60),
  rateLimitPerMinute: s.rateLimitPerMinute,
  maxSessionsPerUser: s.maxSessionsPerUser,
  sessionCheck: s.sessionCheck,
  sessionCheckMaxAge: seconds(s.sessionCheckMaxAge),
  emailVerification: (mail ?? NO_MAIL).emailVerification,
  passwordReset: (mail ?? NO_MAIL).passwordReset,
  mailsPerAddressPerHour: MAILS_PER_ADDRESS_PER_HOUR,
  ...(s.adminEmails && { adminEmails: s.adminEmails }),
})

/** Background work the process keeps, and can wait for before it stops (a mail on its way). */
export interface KeptBackground extends Background {
  /** Resolves once every task has finished, or after `ms`, whichever comes first. */
  settled(ms: number): Promise<void>
}

/** On Node, background work is a promise the process keeps; each task logs its own failure. */
export function keptBackground(): KeptBackground {
  const pending = new Set<Promise<unknown>>()
  return {
    run(task) {
      const running = later(task).finally(() => pending.delete(running))
      pending.add(running)
    },
    async settled(ms) {
      let timer: ReturnType<typeof setTimeout> | undefined
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms)
      })
      const all = (async () => {
        while (pending.size > 0) await Promise.all([...pending])
      })()
      await Promise.race([all, deadline])
      clearTimeout(timer)
    },
  }
}

export interface DepsOptions {
  readonly stores: Stores
  readonly hasher: PasswordHasher
  readonly secret: string
  /** Secrets that still verify (`JWT_PREVIOUS_SECRETS`); `secret` signs. */
  readonly previousSecrets?: readonly string[]
  /** How access tokens are signed, and with what (`ACCESS_TOKEN_ALG` and its keys); HS256 under `secret` by default. */
  readonly accessKeys?: AccessKeySettings
  readonly policy: AuthPolicy
  readonly issuer?: string | undefined
  readonly audience?: string | undefined
  readonly clock?: Clock
  readonly random?: Random
  readonly log?: SecurityLog
  /** Verified access tokens remembered (0 turns the cache off). */
  readonly tokenCacheSize?: number
  /** Where mail goes; none means mail is off (and so are the routes that send it). */
  readonly mailer?: Mailer | undefined
  /** Work that may finish after the answer (the default keeps the promise). */
  readonly background?: Background
}

/**
 * Wires ports to adapters; both composition roots and the tests call this. Synchronous: the keys'
 * imports start here, once, and the first request that needs a key awaits that one import.
 */
export function buildDeps(o: DepsOptions): Deps {
  const accessTokens = createAccessTokens({
    secret: o.secret,
    ...(o.previousSecrets && { previousSecrets: o.previousSecrets }),
    ...o.accessKeys,
    ttl: o.policy.accessTokenTtl,
    issuer: o.issuer,
    audience: o.audience,
    ...(o.tokenCacheSize !== undefined && { cacheSize: o.tokenCacheSize }),
  })
  const refreshTokens = createRefreshTokens(o.secret, { issuer: o.issuer, audience: o.audience }, o.previousSecrets)
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
    tokens: o.stores.tokens,
    tokenMint: accountTokenMint,
    mailer: o.mailer,
    background: o.background ?? keptBackground(),
    confirmedSessions: confirmedSessionCache(),
  }
}

/** `ACCESS_TOKEN_ALG`, `JWT_PRIVATE_KEY` and `JWT_PREVIOUS_PUBLIC_KEYS`, as the access tokens take them. */
export interface AccessKeySettings {
  readonly alg: AccessTokenAlg
  readonly privateKey?: string | undefined
  readonly previousPublicKeys?: string | undefined
}

const accessKeysOf = (s: Settings): AccessKeySettings => ({
  alg: s.accessTokenAlg,
  privateKey: s.jwtPrivateKey,
  previousPublicKeys: s.jwtPreviousPublicKeys,
})

/**
 * Imports the asymmetric keys once, so a key of the wrong kind stops a Node start (and makes a
 * Worker's requests 500, logged) instead of failing at the first login. HS256 has nothing to check.
 */
export async function checkAccessKeys(settings: Settings): Promise<void> {
  if (settings.accessTokenAlg === 'HS256') return
  try {
    await keyRing({
      alg: settings.accessTokenAlg,
      privateKey: settings.jwtPrivateKey ?? '',
      previousPublicKeys: settings.jwtPreviousPublicKeys,
    })
  } catch (err) {
    if (err instanceof KeyMaterialError) throw new SettingsError(`invalid configuration:\n  ${err.message}`)
    throw err
  }
}

/** What a service is built from: validated settings, the stores, and how the runtime names clients. */
export interface ServiceOptions {
  readonly settings: Settings
  readonly stores: Stores
  /** The client IP as the runtime knows it (the socket on Node, `CF-Connecting-IP` on Workers). */
  readonly clientIp: HttpConfig['clientIp']
  /** Verified access tokens remembered; for benchmarks that measure the uncached path. */
  readonly tokenCacheSize?: number
  readonly log?: SecurityLog
  /** How the password hasher bounds its KDF work; the Worker passes a start rate (src/worker.ts). */
  readonly kdf?: ScryptHasherOptions
  /** Where mails sent after an answer run (the default keeps their promises). */
  readonly background?: Background
  /** The account lifecycle's mail: its settings and the mailer `mailerFrom` chose. Absent: mail off. */
  readonly mail?: {
    readonly settings: Pick<MailSettings, 'emailVerification' | 'passwordReset'>
    readonly mailer: Mailer | undefined
  }
}

/**
 * The dependencies and HTTP configuration from validated settings: where both composition roots
 * and an embedding app meet. Without a configured secret (parseSettings allows that outside
 * production only) it makes an ephemeral one and warns; this is the only place that does.
 */
export function compose(o: ServiceOptions): { deps: Deps; config: HttpConfig } {
  const { settings, stores } = o
  const policy = policyFrom(settings, o.mail?.mailer ? o.mail.settings : undefined)
  refuseAdminEmailsUnverified(policy.adminEmails, policy.emailVerification, policy.passwordReset)
  let secret = settings.jwtSecret
  if (!secret) {
    secret = webRandom.id() + webRandom.id()
    const warning = 'JWT_SECRET is not set: using an ephemeral secret; every session ends when this instance stops.'
    logFor(o.log).line('warn', warning)
  }
  const deps = buildDeps({
    stores,
    hasher: createScryptHasher(o.kdf),
    secret,
    previousSecrets: settings.jwtPreviousSecrets,
    accessKeys: accessKeysOf(settings),
    policy,
    mailer: o.mail?.mailer,
    issuer: settings.jwtIssuer,
    audience: settings.jwtAudience,
    ...(o.tokenCacheSize !== undefined && { tokenCacheSize: o.tokenCacheSize }),
    ...(o.log && { log: o.log }),
    ...(o.background && { background: o.background }),
  })
  const config: HttpConfig = {
    cookieSecure: settings.cookieSecure,
    cookieSameSite: settings.cookieSameSite,
    publicOrigin: settings.publicOrigin,
    allowedOrigins: settings.allowedOrigins,
    corsOrigins: settings.corsOrigins,
    clientIp: o.clientIp,
    trustProxy: settings.trustProxy,
    ui: settings.ui,
  }
  return { deps, config }
}

/** The whole standalone service as one Hono app: the routes, `/health`, headers, 404 and 405. */
export function buildService(o: ServiceOptions) {
  const { deps, config } = compose(o)
  return createApp(deps, o.stores.health, config)
}

import type { SecurityLog } from '../../application/ports.js'
import { onWorkers } from '../runtime.js'
import { parseSettings, type Settings, SettingsError } from './settings.js'

/**
 * `createAuth`'s options: the standalone service's settings (docs/http-contract.md, Configuration)
 * as typed values, lifetimes in seconds as there. Every one left out has the standalone default.
 */
export interface AuthSettingsOptions {
  /** At least 32 bytes (`JWT_SECRET`). Without one outside production, an ephemeral one is made, with a warning. */
  readonly secret: string | undefined
  /** Secrets that still verify tokens after a rotation (`JWT_PREVIOUS_SECRETS`); `secret` signs. */
  readonly previousSecrets?: readonly string[]
  /** `ACCESS_TOKEN_ALG`: `HS256` (default) under `secret`, or `EdDSA` / `ES256` under `privateKey`. */
  readonly accessTokenAlg?: 'HS256' | 'EdDSA' | 'ES256'
  /** `JWT_PRIVATE_KEY`: the PKCS#8 PEM that signs EdDSA or ES256 access tokens. */
  readonly privateKey?: string
  /** `JWT_PREVIOUS_PUBLIC_KEYS`: PEM public keys that still verify tokens after a key rotation. */
  readonly previousPublicKeys?: readonly string[]
  /**
   * Refuses a missing or placeholder secret and makes cookies `Secure` by default. Defaults to
   * `NODE_ENV === 'production'` where the runtime has a `process.env`, as the standalone service.
   */
  readonly production?: boolean
  readonly issuer?: string
  readonly audience?: string
  readonly accessTokenTtl?: number
  readonly refreshTokenTtl?: number
  readonly refreshReuseGrace?: number
  readonly sessionMaxLifetime?: number
  readonly cookieSecure?: boolean
  readonly cookieSameSite?: 'lax' | 'strict' | 'none'
  readonly publicOrigin?: string
  readonly allowedOrigins?: readonly string[]
  readonly corsOrigins?: readonly string[]
  readonly loginFailureLimit?: number
  readonly rateLimitPerMinute?: number
  readonly maxSessionsPerUser?: number
  /** `strict`: every `requireAuth` confirms the session is live and the user enabled (`SESSION_CHECK`). */
  readonly sessionCheck?: 'off' | 'strict'
  /** Seconds a positive strict check is remembered in-process, 0 to 300 (`SESSION_CHECK_MAX_AGE`). */
  readonly sessionCheckMaxAge?: number
  /** Take the client IP from the last `X-Forwarded-For` hop (`TRUST_PROXY`). */
  readonly trustProxy?: boolean
  /** Addresses whose verified accounts get `admin` at login (`ADMIN_EMAILS`); needs mail with verification on. */
  readonly adminEmails?: readonly string[]
  readonly log?: SecurityLog
}

type Kind = 'string' | 'number' | 'boolean' | 'origins' | 'list' | 'pems'

/** Each option, the variable it stands for, and the type its value must have. */
const OPTIONS: Readonly<Record<string, readonly [variable: string, kind: Kind]>> = {
  secret: ['JWT_SECRET', 'string'],
  previousSecrets: ['JWT_PREVIOUS_SECRETS', 'list'],
  accessTokenAlg: ['ACCESS_TOKEN_ALG', 'string'],
  privateKey: ['JWT_PRIVATE_KEY', 'string'],
  previousPublicKeys: ['JWT_PREVIOUS_PUBLIC_KEYS', 'pems'],
  issuer: ['JWT_ISSUER', 'string'],
  audience: ['JWT_AUDIENCE', 'string'],
  accessTokenTtl: ['ACCESS_TOKEN_TTL', 'number'],
  refreshTokenTtl: ['REFRESH_TOKEN_TTL', 'number'],
  refreshReuseGrace: ['REFRESH_REUSE_GRACE', 'number'],
  sessionMaxLifetime: ['SESSION_MAX_LIFETIME', 'number'],
  cookieSecure: ['COOKIE_SECURE', 'boolean'],
  cookieSameSite: ['COOKIE_SAMESITE', 'string'],
  publicOrigin: ['PUBLIC_ORIGIN', 'string'],
  allowedOrigins: ['ALLOWED_ORIGINS', 'origins'],
  corsOrigins: ['CORS_ORIGINS', 'origins'],
  loginFailureLimit: ['LOGIN_FAILURE_LIMIT', 'number'],
  rateLimitPerMinute: ['RATE_LIMIT_PER_MINUTE', 'number'],
  maxSessionsPerUser: ['MAX_SESSIONS_PER_USER', 'number'],
  sessionCheck: ['SESSION_CHECK', 'string'],
  sessionCheckMaxAge: ['SESSION_CHECK_MAX_AGE', 'number'],
  trustProxy: ['TRUST_PROXY', 'boolean'],
  adminEmails: ['ADMIN_EMAILS', 'list'],
}

/** `NODE_ENV=production` where the runtime has an environment (Node; Workers only with nodejs_compat). */
const runtimeSaysProduction = (): boolean =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.NODE_ENV === 'production'

const NOT_SETTINGS = new Set(['production', 'log'])

const hasKind = (value: unknown, kind: Kind): boolean =>
  kind === 'pems'
    ? Array.isArray(value) && value.every((o) => typeof o === 'string')
    : kind === 'origins' || kind === 'list'
      ? Array.isArray(value) && value.every((o) => typeof o === 'string' && !o.includes(','))
      : typeof value === kind && (kind !== 'number' || Number.isFinite(value))

/**
 * The options as settings, through the one validation the standalone service uses
 * (`parseSettings`), so every default and every bound is the same. A bad option throws a
 * `SettingsError` that names the option (and the variable it stands for), never its value.
 */
export function settingsFromOptions(options: AuthSettingsOptions & Record<string, unknown>): Settings {
  if (options.production === undefined && onWorkers()) {
    throw new SettingsError(
      'invalid options:\n  production must be given on Workers (there is no NODE_ENV to default it from)',
    )
  }
  const production = options.production ?? runtimeSaysProduction()
  const env: Record<string, string | undefined> = { NODE_ENV: production === true ? 'production' : undefined }
  const wrong: string[] = []
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || NOT_SETTINGS.has(name)) continue
    const known = Object.hasOwn(OPTIONS, name) ? OPTIONS[name] : undefined
    if (!known) {
      wrong.push(`${name} is not an option`)
      continue
    }
    const [variable, kind] = known
    if (!hasKind(value, kind)) {
      const expected =
        kind === 'origins'
          ? 'an array of origins'
          : kind === 'list'
            ? 'an array of strings without commas'
            : kind === 'pems'
              ? 'an array of PEM strings'
              : `a ${kind}`
      wrong.push(`${name} must be ${expected}`)
      continue
    }
    env[variable] = Array.isArray(value) ? value.join(kind === 'pems' ? '\n' : ',') : String(value)
  }
  if (options.production !== undefined && typeof options.production !== 'boolean')
    wrong.push('production must be a boolean')
  if (wrong.length > 0) throw new SettingsError(`invalid options:\n  ${wrong.join('\n  ')}`)
  try {
    return parseSettings(env)
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err
    // The message names variables; say which option each one is.
    let message = err.message.replace('invalid configuration:', 'invalid options:')
    for (const [name, [variable]] of Object.entries(OPTIONS)) {
      message = message.replace(new RegExp(`\\b${variable}\\b`, 'g'), `${name} (${variable})`)
    }
    message = message.replace(/\bNODE_ENV=production\b/g, 'production is true')
    throw new SettingsError(message)
  }
}

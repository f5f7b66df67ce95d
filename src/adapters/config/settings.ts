import * as v from 'valibot'
import { type Email, parseEmail } from '../../domain/email.js'
import { DEFAULT_MAX_SESSIONS_PER_USER } from '../../domain/session.js'
import { pemBlocks } from '../crypto/pem.js'
import { ACCESS_TOKEN_ALGS, type AccessTokenAlg, previousPublicKeyBlocks } from '../crypto/signing-keys.js'
import { LOG_LEVELS, type LogLevel } from '../log.js'

/** Configuration after validation: docs/http-contract.md's variables plus the optional `iss`/`aud`. */
export interface Settings {
  readonly production: boolean
  readonly port: number
  /** Undefined when none was given outside production: the caller makes an ephemeral one. */
  readonly jwtSecret: string | undefined
  /** `JWT_PREVIOUS_SECRETS`: secrets that still verify tokens (never sign), newest first. */
  readonly jwtPreviousSecrets: readonly string[]
  /** `ACCESS_TOKEN_ALG`: HS256 under `JWT_SECRET`, or EdDSA / ES256 under `JWT_PRIVATE_KEY`. */
  readonly accessTokenAlg: AccessTokenAlg
  /** `JWT_PRIVATE_KEY`: one PKCS#8 PEM block (syntax checked here; the key itself when imported). */
  readonly jwtPrivateKey: string | undefined
  /** `JWT_PREVIOUS_PUBLIC_KEYS`: PEM public keys that still verify, one after another. */
  readonly jwtPreviousPublicKeys: string | undefined
  readonly jwtIssuer: string | undefined
  readonly jwtAudience: string | undefined
  readonly redisUrl: string | undefined
  /** Seed nodes of a Redis Cluster (`REDIS_CLUSTER_NODES`); absent unless set. Exclusive with `redisUrl`. */
  readonly redisClusterNodes?: readonly { readonly host: string; readonly port: number }[]
  readonly accessTokenTtl: number
  readonly refreshTokenTtl: number
  readonly refreshReuseGrace: number
  readonly sessionMaxLifetime: number
  readonly cookieSecure: boolean
  /** The cookies' `SameSite`; `none` only with `cookieSecure`. */
  readonly cookieSameSite: CookieSameSite
  readonly publicOrigin: string | undefined
  readonly allowedOrigins: readonly string[]
  /** Origins of browser apps answered with CORS headers (credentials included); they pass the cross-site check. */
  readonly corsOrigins: readonly string[]
  readonly loginFailureLimit: number
  readonly rateLimitPerMinute: number
  /** Live sessions per user; a login past it revokes that user's oldest. */
  readonly maxSessionsPerUser: number
  /** `SESSION_CHECK`: `strict` confirms in the store, on every authorized request, that the session is live. */
  readonly sessionCheck: 'off' | 'strict'
  /** `SESSION_CHECK_MAX_AGE`: seconds a positive strict check is remembered in-process (0: never). */
  readonly sessionCheckMaxAge: number
  readonly trustProxy: boolean
  /** `LOG_LEVEL`: lines below it are not written; `warn` turns the access log off. */
  readonly logLevel: LogLevel
  /** `ADMIN_EMAILS`, normalised: verified accounts with these addresses get `admin` at login. Absent unless set. */
  readonly adminEmails?: readonly Email[]
  /** `UI=on|off`: the service's own pages (README.md, "What a person sees"); on by default outside production. */
  readonly ui: boolean
}

/** `COOKIE_SAMESITE`, as the cookie attribute's value in lower case. */
export type CookieSameSite = 'lax' | 'strict' | 'none'

const int = (min: number, max: number, fallback: number) =>
  v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d+$/, 'must be a whole number'),
      v.transform(Number),
      v.minValue(min, `must be at least ${min}`),
      v.maxValue(max, `must be at most ${max}`),
    ),
    String(fallback),
  )

const bool = (fallback: boolean) =>
  v.optional(
    v.pipe(
      v.string(),
      v.picklist(['true', 'false', '1', '0'], 'must be true or false'),
      v.transform((s) => s === 'true' || s === '1'),
    ),
    String(fallback),
  )

const origin = v.pipe(
  v.string(),
  v.url('must be an origin such as https://app.example.com'),
  // Validations still run after `v.url` fails: guard the parse so a non-URL is an issue, not a TypeError.
  v.check((s) => URL.canParse(s) && new URL(s).origin === s, 'must be an origin: scheme, host and port, no path'),
  // The URL parser takes `https://*.example.com` as a host of its own; no browser sends it.
  v.check((s) => !s.includes('*'), 'must be an exact origin, without wildcards'),
)

const DAY = 86_400
// Values that look like a secret but are somebody's example, or one character repeated. Not a bare
// prefix `x+`: a random secret may well begin with an `x` or a `0`.
const PLACEHOLDER = /^(change.?me|secret|your.?secret|placeholder|example|test|(.)\2*$)/i

const schema = (production: boolean) =>
  v.object({
    PORT: int(1, 65_535, 3000),
    JWT_SECRET: v.optional(
      v.pipe(
        v.string(),
        v.check((s) => new TextEncoder().encode(s).length >= 32, 'must be at least 32 bytes'),
        v.check((s) => !production || !PLACEHOLDER.test(s), 'must not be a placeholder in production'),
      ),
    ),
    JWT_PREVIOUS_SECRETS: v.optional(v.string()),
    ACCESS_TOKEN_ALG: v.optional(
      v.picklist(ACCESS_TOKEN_ALGS, `must be one of ${ACCESS_TOKEN_ALGS.join(', ')}`),
      'HS256',
    ),
    JWT_PRIVATE_KEY: v.optional(v.string()),
    JWT_PREVIOUS_PUBLIC_KEYS: v.optional(v.string()),
    JWT_ISSUER: v.optional(v.pipe(v.string(), v.minLength(1))),
    JWT_AUDIENCE: v.optional(v.pipe(v.string(), v.minLength(1))),
    REDIS_URL: v.optional(v.pipe(v.string(), v.regex(/^rediss?:\/\//, 'must start with redis:// or rediss://'))),
    REDIS_CLUSTER_NODES: v.optional(v.string()),
    ACCESS_TOKEN_TTL: int(30, DAY, 600),
    REFRESH_TOKEN_TTL: int(60, 400 * DAY, 30 * DAY),
    REFRESH_REUSE_GRACE: int(0, 300, 10),
    SESSION_MAX_LIFETIME: int(60, 400 * DAY, 90 * DAY),
    COOKIE_SECURE: bool(production),
    PUBLIC_ORIGIN: v.optional(origin),
    ALLOWED_ORIGINS: v.optional(v.string(), ''),
    CORS_ORIGINS: v.optional(v.string(), ''),
    COOKIE_SAMESITE: v.optional(v.picklist(['lax', 'strict', 'none'], 'must be lax, strict or none'), 'lax'),
    LOGIN_FAILURE_LIMIT: int(1, 1000, 10),
    RATE_LIMIT_PER_MINUTE: int(1, 1_000_000, 60),
    MAX_SESSIONS_PER_USER: int(1, 10_000, DEFAULT_MAX_SESSIONS_PER_USER),
    SESSION_CHECK: v.optional(v.picklist(['off', 'strict'], 'must be off or strict'), 'off'),
    SESSION_CHECK_MAX_AGE: int(0, 300, 1),
    TRUST_PROXY: bool(false),
    LOG_LEVEL: v.optional(v.picklist(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`), 'info'),
    ADMIN_EMAILS: v.optional(v.string()),
    UI: v.optional(v.picklist(['on', 'off'], 'must be on or off'), production ? 'off' : 'on'),
  })

/** At most this many previous secrets: each is tried in turn for a refresh token that the current one does not open. */
export const MAX_PREVIOUS_SECRETS = 5

/**
 * `JWT_PREVIOUS_SECRETS`, comma-separated, each held to the rules of `JWT_SECRET`. A bad entry is
 * named by its place, never echoed (it is a secret).
 */
function previousSecrets(raw: string | undefined, current: string | undefined, production: boolean): string[] {
  if (raw === undefined) return []
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
  const problems: string[] = []
  if (current === undefined && entries.length > 0) problems.push('JWT_PREVIOUS_SECRETS needs JWT_SECRET, which signs')
  if (entries.length > MAX_PREVIOUS_SECRETS)
    problems.push(`JWT_PREVIOUS_SECRETS lists more than ${MAX_PREVIOUS_SECRETS}`)
  entries.forEach((secret, i) => {
    const which = `JWT_PREVIOUS_SECRETS entry ${i + 1}`
    if (new TextEncoder().encode(secret).length < 32) problems.push(`${which} must be at least 32 bytes`)
    else if (production && PLACEHOLDER.test(secret)) problems.push(`${which} must not be a placeholder in production`)
    else if (secret === current) problems.push(`${which} is JWT_SECRET itself`)
  })
  if (problems.length > 0) throw new SettingsError(`invalid configuration:\n  ${problems.join('\n  ')}`)
  return [...new Set(entries)]
}

/**
 * `JWT_PRIVATE_KEY` and `JWT_PREVIOUS_PUBLIC_KEYS` as far as syntax goes: the PEM blocks, which
 * algorithm needs them. Whether the key is of the right kind shows when it is imported
 * (`checkAccessKeys` in src/service.ts, before a Node start listens). Never echoed.
 */
function asymmetricKeys(
  alg: AccessTokenAlg,
  privateKey: string | undefined,
  previous: string | undefined,
): { privateKey: string | undefined; previous: string | undefined } {
  const problems: string[] = []
  if (alg === 'HS256') {
    if (privateKey !== undefined || previous !== undefined) {
      problems.push('JWT_PRIVATE_KEY and JWT_PREVIOUS_PUBLIC_KEYS need ACCESS_TOKEN_ALG=EdDSA or ES256')
    }
  } else if (privateKey === undefined) {
    problems.push(`JWT_PRIVATE_KEY is required with ACCESS_TOKEN_ALG=${alg} (a PKCS#8 PEM private key)`)
  } else {
    const blocks = pemBlocks(privateKey)
    if (blocks?.length !== 1 || blocks[0]?.label !== 'PRIVATE KEY') {
      problems.push(
        'JWT_PRIVATE_KEY must be one PKCS#8 PEM block (-----BEGIN PRIVATE KEY-----); convert with openssl pkcs8 -topk8 -nocrypt',
      )
    }
    const older = previousPublicKeyBlocks(previous)
    if ('problem' in older) problems.push(older.problem)
  }
  if (problems.length > 0) throw new SettingsError(`invalid configuration:\n  ${problems.join('\n  ')}`)
  return { privateKey, previous }
}

// `host:port`, the host a DNS name, an IPv4 address or a bracketed IPv6 address.
const CLUSTER_NODE = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?):(\d{1,5})$/

/** `REDIS_CLUSTER_NODES=host:port,host:port` as seed nodes. */
function clusterNodes(raw: string): { host: string; port: number }[] {
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
  if (entries.length === 0) throw new SettingsError('invalid configuration:\n  REDIS_CLUSTER_NODES lists no node')
  return entries.map((entry) => {
    const m = CLUSTER_NODE.exec(entry)
    const port = Number(m?.[2])
    if (!m?.[1] || !(port >= 1 && port <= 65_535)) {
      throw new SettingsError(
        `invalid configuration:\n  REDIS_CLUSTER_NODES has ${JSON.stringify(entry.slice(0, 100))}, not host:port`,
      )
    }
    return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port }
  })
}

/**
 * A comma-separated list of exact origins. A bad entry is named by its place, never echoed: one
 * pasted with credentials (`https://user:pass@host`) is no origin, and its password stays out of logs.
 */
const LOCAL_HTTP = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/

function originList(name: string, raw: string): string[] {
  const entries = raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
  for (const [i, o] of entries.entries()) {
    if (!v.is(origin, o)) {
      throw new SettingsError(
        `invalid configuration:\n  ${name} entry ${i + 1} is not an origin: a scheme, a host and a port only`,
      )
    }
  }
  return entries
}

/** At most this many `ADMIN_EMAILS`: a first admin or a few, not a user list. */
export const MAX_ADMIN_EMAILS = 50

/**
 * `ADMIN_EMAILS`, comma-separated, each normalised as registration does (`parseEmail`), so a
 * listed address matches the account's however it was typed. A bad entry is named by its place.
 */
function adminEmailList(raw: string): Email[] {
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
  const problems = entries.flatMap((entry, i) =>
    parseEmail(entry) === null ? [`ADMIN_EMAILS entry ${i + 1} is not an email address`] : [],
  )
  if (entries.length > MAX_ADMIN_EMAILS) problems.push(`ADMIN_EMAILS lists more than ${MAX_ADMIN_EMAILS}`)
  if (problems.length > 0) throw new SettingsError(`invalid configuration:\n  ${problems.join('\n  ')}`)
  return [...new Set(entries.map((e) => parseEmail(e) as Email))]
}

/** Thrown with every bad variable named (never its value: it may be the secret). */
export class SettingsError extends Error {
  override readonly name = 'SettingsError'
}

/** Validates configuration from a plain record (`process.env`, or a Worker's bindings). */
export function parseSettings(env: Readonly<Record<string, string | undefined>>): Settings {
  const production = env.NODE_ENV === 'production'
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''))
  const result = v.safeParse(schema(production), present)
  if (!result.success) {
    const lines = result.issues.map(
      (i) => `${i.path?.map((p: { key: unknown }) => String(p.key)).join('.') ?? '?'} ${i.message}`,
    )
    throw new SettingsError(`invalid configuration:\n  ${lines.join('\n  ')}`)
  }
  const s = result.output
  const allowedOrigins = originList('ALLOWED_ORIGINS', s.ALLOWED_ORIGINS)
  const corsOrigins = originList('CORS_ORIGINS', s.CORS_ORIGINS)
  // A listed origin may read and write with the user's cookies: over plain HTTP anyone on the path
  // could be that origin. In production only https, or a local address for a development app.
  const plain = corsOrigins.findIndex((o) => o.startsWith('http://') && !LOCAL_HTTP.test(o))
  if (production && plain >= 0) {
    throw new SettingsError(
      `invalid configuration:\n  CORS_ORIGINS entry ${plain + 1} must be https in production (or http://localhost)`,
    )
  }
  // Browsers drop a SameSite=None cookie that is not Secure.
  if (s.COOKIE_SAMESITE === 'none' && !s.COOKIE_SECURE) {
    throw new SettingsError('invalid configuration:\n  COOKIE_SAMESITE=none requires COOKIE_SECURE=true')
  }
  if (production && s.JWT_SECRET === undefined) {
    throw new SettingsError(
      'invalid configuration:\n  JWT_SECRET is required when NODE_ENV=production (at least 32 bytes)',
    )
  }
  const jwtPreviousSecrets = previousSecrets(s.JWT_PREVIOUS_SECRETS, s.JWT_SECRET, production)
  const keys = asymmetricKeys(s.ACCESS_TOKEN_ALG, s.JWT_PRIVATE_KEY, s.JWT_PREVIOUS_PUBLIC_KEYS)
  if (s.REDIS_URL !== undefined && s.REDIS_CLUSTER_NODES !== undefined) {
    throw new SettingsError('invalid configuration:\n  set REDIS_URL or REDIS_CLUSTER_NODES, not both')
  }
  const adminEmails = s.ADMIN_EMAILS === undefined ? [] : adminEmailList(s.ADMIN_EMAILS)
  if (s.SESSION_MAX_LIFETIME < s.ACCESS_TOKEN_TTL) {
    throw new SettingsError('invalid configuration:\n  SESSION_MAX_LIFETIME must be at least ACCESS_TOKEN_TTL')
  }
  return {
    production,
    port: s.PORT,
    jwtSecret: s.JWT_SECRET,
    jwtPreviousSecrets,
    accessTokenAlg: s.ACCESS_TOKEN_ALG,
    jwtPrivateKey: keys.privateKey,
    jwtPreviousPublicKeys: keys.previous,
    jwtIssuer: s.JWT_ISSUER,
    jwtAudience: s.JWT_AUDIENCE,
    redisUrl: s.REDIS_URL,
    ...(s.REDIS_CLUSTER_NODES !== undefined && { redisClusterNodes: clusterNodes(s.REDIS_CLUSTER_NODES) }),
    accessTokenTtl: s.ACCESS_TOKEN_TTL,
    refreshTokenTtl: s.REFRESH_TOKEN_TTL,
    refreshReuseGrace: s.REFRESH_REUSE_GRACE,
    sessionMaxLifetime: s.SESSION_MAX_LIFETIME,
    cookieSecure: s.COOKIE_SECURE,
    cookieSameSite: s.COOKIE_SAMESITE,
    publicOrigin: s.PUBLIC_ORIGIN,
    allowedOrigins,
    corsOrigins,
    loginFailureLimit: s.LOGIN_FAILURE_LIMIT,
    rateLimitPerMinute: s.RATE_LIMIT_PER_MINUTE,
    maxSessionsPerUser: s.MAX_SESSIONS_PER_USER,
    sessionCheck: s.SESSION_CHECK,
    sessionCheckMaxAge: s.SESSION_CHECK_MAX_AGE,
    trustProxy: s.TRUST_PROXY,
    logLevel: s.LOG_LEVEL,
    ...(adminEmails.length > 0 && { adminEmails }),
    ui: s.UI === 'on',
  }
}

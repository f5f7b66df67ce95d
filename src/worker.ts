/**
 * Composition root for Cloudflare Workers: reads the env bindings (vars and secrets, the names of
 * docs/http-contract.md), builds the app once per isolate, and exports `fetch` and the Durable Object class.
 */
import { Hono } from 'hono'
import { mailerFrom, parseMailSettings, refuseAdminEmailsUnverified } from './adapters/config/mail-settings.js'
import { parseSettings, SettingsError } from './adapters/config/settings.js'
import { WORKERS_KDF_START_RATE } from './adapters/crypto/scrypt-hasher.js'
import { cfConnectingIp } from './adapters/http/config.js'
import { problem } from './adapters/http/problem.js'
import { createLog } from './adapters/log.js'
import type { SendEmailBinding } from './adapters/mail/send-email-binding.js'
import { createWorkerSmtpMailer } from './adapters/mail/smtp-worker.js'
import { type AuthStoreNamespace, createDurableObjectStores } from './adapters/stores/durable-object/index.js'
import { createKvStores, type KvLike } from './adapters/stores/kv/index.js'
import type { Stores } from './application/ports.js'
import { buildService, checkAccessKeys } from './service.js'

export { AuthStoreObject } from './adapters/stores/durable-object/object.js'

/** The bindings wrangler.toml declares, plus the settings as vars and secrets. */
export interface WorkerEnv {
  readonly AUTH_STORE: AuthStoreNamespace
  readonly AUTH_KV?: KvLike
  /** `durable-object` (default) or `kv`. */
  readonly STORE?: string
  /** Cloudflare's `send_email` binding: the mail transport when bound and `SMTP_URL` is not set. */
  readonly SEND_EMAIL?: SendEmailBinding
  readonly [setting: string]: unknown
}

type Fetch = (request: Request, env: WorkerEnv, ctx: ExecutionContext) => Response | Promise<Response>

/** The settings of docs/http-contract.md that mean something on Workers (no PORT, REDIS_URL or TRUST_PROXY). */
const SETTINGS = [
  'NODE_ENV',
  'JWT_SECRET',
  'JWT_PREVIOUS_SECRETS',
  'ACCESS_TOKEN_ALG',
  'JWT_PRIVATE_KEY',
  'JWT_PREVIOUS_PUBLIC_KEYS',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'ACCESS_TOKEN_TTL',
  'REFRESH_TOKEN_TTL',
  'REFRESH_REUSE_GRACE',
  'SESSION_MAX_LIFETIME',
  'COOKIE_SECURE',
  'COOKIE_SAMESITE',
  'PUBLIC_ORIGIN',
  'ALLOWED_ORIGINS',
  'CORS_ORIGINS',
  'LOGIN_FAILURE_LIMIT',
  'RATE_LIMIT_PER_MINUTE',
  'MAX_SESSIONS_PER_USER',
  'SESSION_CHECK',
  'SESSION_CHECK_MAX_AGE',
  'LOG_LEVEL',
  'SMTP_URL',
  'MAIL_FROM',
  'APP_URL',
  'EMAIL_VERIFICATION',
  'PASSWORD_RESET',
  'ADMIN_EMAILS',
  'UI',
] as const

const settingsFrom = (env: WorkerEnv): Record<string, string | undefined> =>
  Object.fromEntries(
    SETTINGS.map((name) => {
      const value = env[name]
      return [name, typeof value === 'string' || typeof value === 'number' ? String(value) : undefined]
    }),
  )

function storesFrom(env: WorkerEnv): Stores {
  const durable = createDurableObjectStores(env.AUTH_STORE)
  switch (env.STORE ?? 'durable-object') {
    case 'durable-object':
      return durable
    case 'kv':
      if (!env.AUTH_KV) throw new SettingsError('invalid configuration:\n  STORE is kv but no AUTH_KV binding exists')
      return createKvStores(env.AUTH_KV, { rateLimits: durable, tokens: durable.tokens })
    default:
      throw new SettingsError('invalid configuration:\n  STORE must be durable-object or kv')
  }
}

/**
 * Builds the app for the isolate. `origin` is the first request's: without `APP_URL`, development
 * links point at this Worker (production requires `APP_URL`; a request's host never makes a link there).
 */
async function build(env: WorkerEnv, origin: string): Promise<Fetch> {
  const vars = settingsFrom(env)
  const settings = parseSettings(vars)
  await checkAccessKeys(settings)
  const log = createLog({ level: settings.logLevel })
  const mail = parseMailSettings(vars, {
    serviceOrigin: settings.publicOrigin ?? origin,
    ui: settings.ui,
    publicOrigin: settings.publicOrigin,
  })
  refuseAdminEmailsUnverified(settings.adminEmails, mail.emailVerification, mail.passwordReset)
  const mailer = mailerFrom(mail, { smtp: createWorkerSmtpMailer, sendEmail: env.SEND_EMAIL, log })
  const app = await buildService({
    settings,
    stores: storesFrom(env),
    mail: { settings: mail, mailer },
    // Set by Cloudflare's edge; a client cannot forge it.
    clientIp: cfConnectingIp,
    // scrypt blocks the isolate while it runs, so a concurrency gate never sees two at once:
    // bound how fast derivations start instead (beyond it, 503 overloaded with Retry-After).
    kdf: { startRate: WORKERS_KDF_START_RATE },
    log,
  })
  return app.fetch
}

/** Every request of a misconfigured Worker: 500, the reason in the log only (never a value). */
const misconfigured = new Hono().all('*', (c) =>
  problem(c, 'internal', { detail: 'The service is misconfigured; see its logs.' }),
).fetch
const broken = new Hono().all('*', (c) => problem(c, 'internal')).fetch
// Before the settings are read, so at the default level: these lines are errors, which every level writes.
const buildLog = createLog()

/**
 * A Worker whose app is built on the first request and kept for the isolate's life. A bad setting
 * cannot stop a start on Workers: it is logged once, and every request gets 500.
 */
export function createWorker(): {
  fetch: (request: Request, env: WorkerEnv, ctx: ExecutionContext) => Promise<Response>
} {
  let built: Promise<Fetch> | undefined
  return {
    fetch(request, env, ctx) {
      built ??= build(env, new URL(request.url).origin).catch((err: unknown): Fetch => {
        if (err instanceof SettingsError) {
          buildLog.line('error', 'invalid configuration', { detail: err.message })
          return misconfigured
        }
        built = undefined // a passing fault: the next request builds again
        buildLog.line('error', 'failed to build the app', { error: String((err as Error)?.name) })
        return broken
      })
      return built.then((fetch) => fetch(request, env, ctx))
    },
  }
}

export default createWorker()

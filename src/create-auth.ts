import { type AuthSettingsOptions, settingsFromOptions } from './adapters/config/options.js'
import { SettingsError } from './adapters/config/settings.js'
import { WORKERS_KDF_START_RATE } from './adapters/crypto/scrypt-hasher.js'
import { type Auth, mountableAuth } from './adapters/http/app.js'
import { runtimeClientIp } from './adapters/http/client-ip.js'
import type { HttpConfig } from './adapters/http/config.js'
import { onWorkers } from './adapters/runtime.js'
import type { Mailer, Stores } from './application/ports.js'
import { compose } from './service.js'

/** What `createAuth` takes: the stores, the secret, and any of the service's settings. */
export interface AuthOptions extends AuthSettingsOptions {
  readonly stores: Stores
  /** The client IP; by default the runtime's own (the socket on Node, `CF-Connecting-IP` on Workers). */
  readonly clientIp?: HttpConfig['clientIp']
  /** The account lifecycle's mail; without it, the routes that send mail are 404. */
  readonly mail?: AuthMailOptions
}

/**
 * Mail for the account lifecycle in an app of your own: any `Mailer` (your provider's API, your
 * SMTP client), which `renderMail(message, { appUrl, from })` turns into a subject, text and HTML
 * with the link built from your `appUrl`.
 */
export interface AuthMailOptions {
  readonly mailer: Mailer
  /** `off` sends no verification mail; `required` refuses unverified logins (default `optional`). */
  readonly emailVerification?: 'off' | 'optional' | 'required'
  /** Whether `/password/forgot` and `/password/reset` exist (default true). */
  readonly passwordReset?: boolean
}

/**
 * The auth routes and `requireAuth` for mounting in an app of your own:
 *
 *     const auth = createAuth({ stores: createMemoryStores(), secret: env.JWT_SECRET })
 *     app.route('/auth', auth.routes)
 *     app.get('/orders', auth.requireAuth, (c) => c.json({ for: c.get('auth').userId }))
 *
 * Synchronous: the keys' imports start here (in a Worker's global scope, where workerd refuses
 * crypto, on the first request), and a request that needs a key awaits that one import. A bad
 * option throws here, naming the option, never its value. On Workers `production` must be given:
 * there is no `NODE_ENV` to default it from.
 */
export function createAuth(options: AuthOptions): Auth {
  const { stores, clientIp, log, mail, ...rest } = options
  const settings = settingsFromOptions(rest)
  if (
    settings.adminEmails &&
    ((mail?.emailVerification ?? (mail ? 'optional' : 'off')) === 'off' || mail?.passwordReset === false)
  ) {
    throw new SettingsError(
      'invalid options:\n  adminEmails (ADMIN_EMAILS) needs mail with emailVerification optional or required and' +
        ' passwordReset on: it grants admin when a listed address sets its password through a reset link',
    )
  }
  const { deps, config } = compose({
    settings,
    stores,
    clientIp: clientIp ?? runtimeClientIp({ trustProxy: settings.trustProxy, log }),
    ...(log && { log }),
    ...(mail && {
      mail: {
        mailer: mail.mailer,
        settings: {
          emailVerification: mail.emailVerification ?? 'optional',
          passwordReset: mail.passwordReset ?? true,
        },
      },
    }),
    // scrypt blocks a Worker's isolate while it runs, so a concurrency gate never sees two at
    // once: there, as in the standalone Worker, a start rate bounds the work (503 overloaded beyond).
    ...(onWorkers() && { kdf: { startRate: WORKERS_KDF_START_RATE } }),
  })
  return mountableAuth(deps, config)
}

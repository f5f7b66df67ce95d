import { type AuthSettingsOptions, settingsFromOptions } from './adapters/config/options.js'
import { WORKERS_KDF_START_RATE } from './adapters/crypto/scrypt-hasher.js'
import { type Auth, mountableAuth } from './adapters/http/app.js'
import { runtimeClientIp } from './adapters/http/client-ip.js'
import type { HttpConfig } from './adapters/http/config.js'
import { onWorkers } from './adapters/runtime.js'
import type { Stores } from './application/ports.js'
import { compose } from './service.js'

/** What `createAuth` takes: the stores, the secret, and any of the service's settings. */
export interface AuthOptions extends AuthSettingsOptions {
  readonly stores: Stores
  /** The client IP; by default the runtime's own (the socket on Node, `CF-Connecting-IP` on Workers). */
  readonly clientIp?: HttpConfig['clientIp']
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
  const { stores, clientIp, log, ...rest } = options
  const settings = settingsFromOptions(rest)
  const { deps, config } = compose({
    settings,
    stores,
    clientIp: clientIp ?? runtimeClientIp({ trustProxy: settings.trustProxy, log }),
    ...(log && { log }),
    // scrypt blocks a Worker's isolate while it runs, so a concurrency gate never sees two at
    // once: there, as in the standalone Worker, a start rate bounds the work (503 overloaded beyond).
    ...(onWorkers() && { kdf: { startRate: WORKERS_KDF_START_RATE } }),
  })
  return mountableAuth(deps, config)
}

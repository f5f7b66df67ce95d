/**
 * The auth routes and `requireAuth` in a Worker of your own, with the Durable Object store,
 * through the package's public entry points only. Bindings (examples/worker/wrangler.toml):
 * `AUTH_STORE`, a Durable Object namespace of the `AuthStoreObject` class exported below, and the
 * `JWT_SECRET` secret (`wrangler secret put JWT_SECRET`).
 */
import { env } from 'cloudflare:workers'
import { Hono } from 'hono'
import { type AuthEnv, createAuth } from 'hono-cookie-auth'
import { type AuthStoreNamespace, AuthStoreObject, createDurableObjectStores } from 'hono-cookie-auth/workers'

export { AuthStoreObject }

const bindings = env as unknown as { readonly AUTH_STORE: AuthStoreNamespace; readonly JWT_SECRET?: string }

// createAuth does no crypto until the first request, so it may run in the global scope.
const auth = createAuth({
  stores: createDurableObjectStores(bindings.AUTH_STORE),
  secret: bindings.JWT_SECRET,
  production: true,
})

const app = new Hono<AuthEnv>()
app.route('/auth', auth.routes)
app.get('/orders', auth.requireAuth, (c) => c.json({ orders: [], for: c.get('auth').userId }))

export default app

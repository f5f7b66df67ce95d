// A Worker of a team that installed the package: bundled by wrangler's dry run.
import { env } from 'cloudflare:workers'
import { Hono } from 'hono'
import { type AuthEnv, createAuth } from 'hono-cookie-auth'
import { type AuthStoreNamespace, AuthStoreObject, createDurableObjectStores } from 'hono-cookie-auth/workers'

export { AuthStoreObject }

const bindings = env as unknown as { readonly AUTH_STORE: AuthStoreNamespace; readonly JWT_SECRET?: string }
const auth = createAuth({
  stores: createDurableObjectStores(bindings.AUTH_STORE),
  secret: bindings.JWT_SECRET,
  production: true,
})
const app = new Hono<AuthEnv>()
app.route('/auth', auth.routes)
app.get('/orders', auth.requireAuth, (c) => c.json({ for: c.get('auth').userId }))
export default app

/**
 * Mounting the auth routes and `requireAuth` in an app of your own (type-checked with the project;
 * run it with `npx tsx examples/embed.ts`). Storage swaps in the one `stores` line.
 */
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { buildDeps, policyFrom } from '../src/adapters/compose.js'
import { parseSettings } from '../src/adapters/config/settings.js'
import { createScryptHasher } from '../src/adapters/crypto/scrypt-hasher.js'
import { createAuth } from '../src/adapters/http/app.js'
import type { AuthEnv } from '../src/adapters/http/require-auth.js'
import { createMemoryStores } from '../src/adapters/stores/memory/index.js'

const settings = parseSettings(process.env)
const stores = createMemoryStores() // or createRedisStores(createRedisClient({ url })), or the Workers stores
const deps = await buildDeps({
  stores,
  hasher: createScryptHasher(),
  // parseSettings requires JWT_SECRET in production; elsewhere fall back to a throwaway one.
  secret: settings.jwtSecret ?? `${crypto.randomUUID()}${crypto.randomUUID()}`,
  policy: policyFrom(settings),
})
const auth = createAuth(deps, { cookieSecure: settings.cookieSecure, allowedOrigins: [], clientIp: () => 'unknown' })

const app = new Hono<AuthEnv>()
app.route('/auth', auth.routes)
app.get('/orders', auth.requireAuth, (c) => c.json({ orders: [], for: c.get('auth').userId }))

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3001) }, (info) => console.log(`listening on ${info.port}`))

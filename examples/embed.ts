/**
 * The auth routes and `requireAuth` in a Hono app of your own on Node, through the package's
 * public entry points only (`hono-cookie-auth` resolves to this package's `exports`, built into
 * dist/ by `npm run build`). Run it with `npx tsx examples/embed.ts`.
 */
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { type AuthEnv, createAuth } from 'hono-cookie-auth'
import { createMemoryStores } from 'hono-cookie-auth/memory'

const auth = createAuth({
  // Or createRedisStores(createRedisClient({ url })) from 'hono-cookie-auth/redis'.
  stores: createMemoryStores(),
  // Required in production; elsewhere an ephemeral one is made, with a warning.
  secret: process.env.JWT_SECRET,
  // The client IP is the socket's address by default; behind a proxy, `trustProxy: true`.
})

const app = new Hono<AuthEnv>()
app.route('/auth', auth.routes)
app.get('/orders', auth.requireAuth, (c) => c.json({ orders: [], for: c.get('auth').userId }))

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3001) }, (info) =>
  console.log(JSON.stringify({ level: 'info', time: new Date().toISOString(), msg: 'listening', port: info.port })),
)

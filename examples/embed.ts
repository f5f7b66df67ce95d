/**
 * Mounting the auth routes and `requireAuth` in an app of your own (type-checked with the project;
 * run it with `npx tsx examples/embed.ts`). Storage swaps in the one `stores` line.
 */
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { parseSettings } from '../src/adapters/config/settings.js'
import { nodeSocketIp } from '../src/adapters/http/node-client-ip.js'
import type { AuthEnv } from '../src/adapters/http/require-auth.js'
import { createMemoryStores } from '../src/adapters/stores/memory/index.js'
import { buildAuth } from '../src/service.js'

const auth = await buildAuth({
  // JWT_SECRET is required in production; elsewhere an ephemeral one is made, with a warning.
  settings: parseSettings(process.env),
  stores: createMemoryStores(), // or createRedisStores(createRedisClient({ url })), or the Workers stores
  // Each client its own per-IP counters: the socket's address (behind a proxy, `forwardedFor`).
  clientIp: nodeSocketIp,
})

const app = new Hono<AuthEnv>()
app.route('/auth', auth.routes)
app.get('/orders', auth.requireAuth, (c) => c.json({ orders: [], for: c.get('auth').userId }))

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3001) }, (info) => console.log(`listening on ${info.port}`))

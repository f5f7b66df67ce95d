// A Hono app of a team that installed the package: plain JS, run by node.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { createAuth } from 'hono-cookie-auth'
import { createMemoryStores } from 'hono-cookie-auth/memory'

const auth = createAuth({ stores: createMemoryStores(), secret: process.env.JWT_SECRET })
const app = new Hono()
app.route('/auth', auth.routes)
app.get('/orders', auth.requireAuth, (c) => c.json({ orders: [], for: c.get('auth').userId }))

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, () =>
  console.log('ready'),
)
process.on('SIGTERM', () => server.close(() => process.exit(0)))

/**
 * The benchmark's server process: one Hono app per target, each on its own port, so that the
 * load generator (another process) measures them under the same conditions. Prints one JSON line
 * with the ports and the credentials the load needs, then serves until killed.
 */
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { jwt, sign } from 'hono/jwt'
import { buildDeps } from '../src/adapters/compose.js'
import { createScryptHasher } from '../src/adapters/crypto/scrypt-hasher.js'
import { createApp } from '../src/adapters/http/app.js'
import { silentLog } from '../src/adapters/log.js'
import { createMemoryStores } from '../src/adapters/stores/memory/index.js'

const SECRET = 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz'
const POLICY = {
  accessTokenTtl: 3600,
  refreshTokenTtl: 86_400,
  refreshReuseGrace: 10,
  sessionMaxLifetime: 7 * 86_400,
  loginFailureLimit: 10,
  loginFailureWindow: 900,
  rateLimitPerMinute: 1_000_000,
}

const listen = (fetch: (req: Request) => Response | Promise<Response>): Promise<number> =>
  new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port)) as Server
    server.keepAliveTimeout = 60_000
  })

async function ourApp(tokenCacheSize: number) {
  const stores = createMemoryStores()
  const deps = await buildDeps({
    stores,
    hasher: createScryptHasher({ params: { ln: 10, r: 8, p: 1 } }),
    secret: SECRET,
    policy: POLICY,
    log: silentLog,
    tokenCacheSize,
  })
  const app = createApp(deps, stores.health, { cookieSecure: false, allowedOrigins: [], clientIp: () => '127.0.0.1' })
  const json = { email: 'bench@example.com', password: 'correct horse battery staple' }
  const post = (path: string) =>
    app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) })
  await post('/register')
  const login = await post('/login')
  const cookie = login.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ')
  return { app, cookie }
}

const bare = new Hono()
bare.get('/bare', (c) => c.json({ ok: true }))

const honoJwt = new Hono()
honoJwt.get('/jwt', jwt({ secret: SECRET, alg: 'HS256' }), (c) =>
  c.json({ sub: (c.get('jwtPayload') as { sub: string }).sub }),
)
const honoJwtToken = await sign({ sub: 'user', exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, 'HS256')

const cached = await ourApp(10_000)
const uncached = await ourApp(0)

const ports = {
  bare: await listen(bare.fetch),
  honoJwt: await listen(honoJwt.fetch),
  cached: await listen(cached.app.fetch),
  uncached: await listen(uncached.app.fetch),
}
console.log(
  JSON.stringify({
    ports,
    honoJwtAuthorization: `Bearer ${honoJwtToken}`,
    cachedCookie: cached.cookie,
    uncachedCookie: uncached.cookie,
  }),
)

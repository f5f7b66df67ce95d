/**
 * The benchmark's server process: one Hono app per target, each on its own port, so that the
 * load generator (another process) measures them under the same conditions. Prints one JSON line
 * with the ports and the credentials the load needs, then serves until killed. Over IPC, it answers
 * each message with its own `process.cpuUsage()`, so the bench counts the servers' CPU alone.
 */
import { openSync, writeSync } from 'node:fs'
import type { Server } from 'node:http'
import { Writable } from 'node:stream'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { jwt, sign } from 'hono/jwt'
import { parseSettings } from '../src/adapters/config/settings.js'
import { securityHeaderList } from '../src/adapters/http/security-headers.js'
import { createLog, type Log, silentLog } from '../src/adapters/log.js'
import { stdioSink } from '../src/adapters/stdio-sink.js'
import { createMemoryStores } from '../src/adapters/stores/memory/index.js'
import { createRedisClient, waitUntilReady } from '../src/adapters/stores/redis/client.js'
import { createRedisStores } from '../src/adapters/stores/redis/index.js'
import type { Stores } from '../src/application/ports.js'
import { buildService } from '../src/service.js'

const SECRET = 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz'
const listen = (fetch: Parameters<typeof serve>[0]['fetch']): Promise<number> =>
  new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port)) as Server
    server.keepAliveTimeout = 60_000
  })

/**
 * The service as `npm start` serves it (src/node.ts), over memory stores unless given others, with
 * one signed-in user; `vars` adds settings (`SESSION_CHECK=strict`).
 */
async function ourApp(
  tokenCacheSize: number,
  log: Log = silentLog,
  vars: Record<string, string> = {},
  stores: Stores = createMemoryStores(),
) {
  const settings = parseSettings({
    JWT_SECRET: SECRET,
    RATE_LIMIT_PER_MINUTE: '1000000',
    ACCESS_TOKEN_TTL: '3600',
    ...vars,
  })
  const app = await buildService({
    settings,
    stores,
    clientIp: () => '127.0.0.1',
    tokenCacheSize,
    log,
  })
  const json = { email: 'bench@example.com', password: 'correct horse battery staple' }
  const post = (path: string) =>
    app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) })
  await post('/register')
  const login = await post('/login')
  const cookie = login.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ')
  return { fetch: app.fetch, cookie }
}

const bare = new Hono()
bare.get('/bare', (c) => c.json({ ok: true }))

// The floor for this service's answers: the same JSON with its six headers, from a minimal handler.
const headers = new Hono()
const staticHeaders = Object.fromEntries(securityHeaderList({ hsts: false }))
let sequence = 0
headers.get('/headers', () => {
  const all: Record<string, string> = Object.assign({}, staticHeaders)
  all['content-type'] = 'application/json'
  all['x-request-id'] = `bench-${(sequence++).toString(36)}`
  return new Response(JSON.stringify({ ok: true }), { headers: all })
})

const honoJwt = new Hono()
honoJwt.get('/jwt', jwt({ secret: SECRET, alg: 'HS256' }), (c) =>
  c.json({ sub: (c.get('jwtPayload') as { sub: string }).sub }),
)
const honoJwtToken = await sign({ sub: 'user', exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, 'HS256')

const cached = await ourApp(10_000)
const uncached = await ourApp(0)
// EdDSA access tokens (ACCESS_TOKEN_ALG=EdDSA), with the verified-token cache on and off.
const ed25519 = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair
const ed25519Pem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(await crypto.subtle.exportKey('pkcs8', ed25519.privateKey)).toString('base64')}\n-----END PRIVATE KEY-----`
const eddsa = { ACCESS_TOKEN_ALG: 'EdDSA', JWT_PRIVATE_KEY: ed25519Pem }
const eddsaCached = await ourApp(10_000, silentLog, eddsa)
const eddsaUncached = await ourApp(0, silentLog, eddsa)
// The production default (LOG_LEVEL=info): an access line per request, through the sink `npm start`
// uses, into /dev/null written synchronously, as Node writes a pipe or a file.
const devNull = openSync('/dev/null', 'w')
const sync = new Writable({
  write(chunk, _encoding, done) {
    writeSync(devNull, chunk)
    done()
  },
})
const logged = await ourApp(10_000, createLog({ sink: stdioSink({ out: sync, err: sync }) }))

// SESSION_CHECK=strict, on memory and (when bench/run.ts started a redis-server) on Redis: with the
// default max-age of 1 s, and with 0 (a store read on every request) to show what the memory saves.
const strict = (maxAge: number) => ({ SESSION_CHECK: 'strict', SESSION_CHECK_MAX_AGE: String(maxAge) })
const strictMemory = await ourApp(10_000, silentLog, strict(1))
const strictMemoryEveryRequest = await ourApp(10_000, silentLog, strict(0))
const redisUrl = process.env.BENCH_REDIS_URL
const redis = redisUrl ? createRedisClient({ url: redisUrl }, () => {}) : undefined
if (redis && !(await waitUntilReady(redis, 5000))) throw new Error('bench redis-server is not ready')
const redisStores = redis && createRedisStores(redis, { prefix: 'bench-strict:' })
const strictRedis = redisStores && (await ourApp(10_000, silentLog, strict(1), redisStores))
const strictRedisEveryRequest = redisStores && (await ourApp(10_000, silentLog, strict(0), redisStores))

const ports = {
  bare: await listen(bare.fetch),
  headers: await listen(headers.fetch),
  honoJwt: await listen(honoJwt.fetch),
  cached: await listen(cached.fetch),
  uncached: await listen(uncached.fetch),
  eddsaCached: await listen(eddsaCached.fetch),
  eddsaUncached: await listen(eddsaUncached.fetch),
  logged: await listen(logged.fetch),
  strictMemory: await listen(strictMemory.fetch),
  strictMemoryEveryRequest: await listen(strictMemoryEveryRequest.fetch),
  ...(strictRedis && { strictRedis: await listen(strictRedis.fetch) }),
  ...(strictRedisEveryRequest && { strictRedisEveryRequest: await listen(strictRedisEveryRequest.fetch) }),
}
console.log(
  JSON.stringify({
    ports,
    honoJwtAuthorization: `Bearer ${honoJwtToken}`,
    cachedCookie: cached.cookie,
    uncachedCookie: uncached.cookie,
    eddsaCachedCookie: eddsaCached.cookie,
    eddsaUncachedCookie: eddsaUncached.cookie,
    loggedCookie: logged.cookie,
    strictMemoryCookie: strictMemory.cookie,
    strictMemoryEveryRequestCookie: strictMemoryEveryRequest.cookie,
    strictRedisCookie: strictRedis?.cookie,
    strictRedisEveryRequestCookie: strictRedisEveryRequest?.cookie,
  }),
)

process.on('message', () => process.send?.(process.cpuUsage()))

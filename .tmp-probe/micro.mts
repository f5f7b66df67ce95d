import { parseSettings } from '../src/adapters/config/settings.js'
import { silentLog } from '../src/adapters/log.js'
import { createMemoryStores } from '../src/adapters/stores/memory/index.js'
import { buildService } from '../src/service.js'
const settings = parseSettings({ JWT_SECRET: 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz', RATE_LIMIT_PER_MINUTE: '1000000', ACCESS_TOKEN_TTL: '3600' })
const app = await buildService({ settings, stores: createMemoryStores(), clientIp: () => '127.0.0.1', tokenCacheSize: 10000, log: silentLog })
const json = { email: 'bench@example.com', password: 'correct horse battery staple' }
const post = (p: string) => app.request(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) })
await post('/register')
const login = await post('/login')
const cookie = login.headers.getSetCookie().map((l) => l.split(';')[0]).join('; ')
const req = () => new Request('http://localhost/session', { headers: { cookie } })
for (let i = 0; i < 20000; i++) await app.fetch(req())
const N = 100000
const t0 = process.hrtime.bigint()
for (let i = 0; i < N; i++) { const r = await app.fetch(req()); if (r.status !== 200) throw new Error(String(r.status)) }
const t1 = process.hrtime.bigint()
console.log((Number(t1 - t0) / N / 1000).toFixed(2))

import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createDurableObjectStores } from '../../src/adapters/stores/durable-object/index.js'
import { createKvStores, type KvLike, kvTtl } from '../../src/adapters/stores/kv/index.js'
import { UnavailableError } from '../../src/domain/errors.js'
import { millis, seconds } from '../../src/domain/units.js'
import { runStoreContract } from '../contract/stores.contract.js'
import { SEC } from '../support/constants.js'
import { aSession, at, aUser, gen } from '../support/fixtures.js'

const POLICY = { graceMs: millis(10 * SEC), slidingMs: millis(30 * 86_400 * SEC) }

const freshStores = (kv: KvLike = env.AUTH_KV) => {
  const prefix = `c-${crypto.randomUUID()}/`
  return createKvStores(kv, { rateLimits: createDurableObjectStores(env.AUTH_STORE, { prefix }), prefix })
}

// KV has no compare-and-set: the racing tests are exempt, everything else must hold.
runStoreContract('kv', async () => ({ stores: freshStores() }), { strongConsistency: false })

/** Records the TTLs asked for and can refuse writes like KV's 1-write-per-second limit. */
function recordingKv(refuse: (key: string) => boolean = () => false) {
  const ttls = new Map<string, number | undefined>()
  const kv: KvLike = {
    get: (k) => env.AUTH_KV.get(k),
    async put(k, v, o) {
      if (refuse(k)) throw new Error('KV PUT failed: 429 Too Many Requests')
      ttls.set(k, o?.expirationTtl)
      await env.AUTH_KV.put(k, v, o)
    },
    delete: (k) => env.AUTH_KV.delete(k),
    list: (o) => env.AUTH_KV.list(o),
  }
  return { kv, ttls }
}

describe('kv store: honest about KV', () => {
  it('refuses an account whose keys KV would refuse before writing anything, never a 503', async () => {
    const prefix = `${'p'.repeat(300)}-${crypto.randomUUID()}/`
    const stores = createKvStores(env.AUTH_KV, { rateLimits: createDurableObjectStores(env.AUTH_STORE), prefix })
    const user = aUser({ email: `${'a'.repeat(64)}@${'d'.repeat(180)}.com` as ReturnType<typeof aUser>['email'] })
    const attempt = stores.users.create(user)
    await expect(attempt).rejects.toThrow(/KV key too long/)
    await expect(stores.users.create(user)).rejects.not.toBeInstanceOf(UnavailableError)
    expect((await env.AUTH_KV.list({ prefix })).keys).toEqual([])
  })

  it('never asks KV for a TTL under 60 s, and still hides a session past its own expiry', async () => {
    const now = at(Date.now())
    expect(kvTtl(now + 5 * SEC, now)).toBe(60)
    expect(kvTtl(now - 5 * SEC, now)).toBe(60)
    expect(kvTtl(now + 3600 * SEC, now)).toBe(3600)
    const { kv, ttls } = recordingKv()
    const stores = freshStores(kv)
    const s = aSession(now, { expiresAt: at(now + 5 * SEC) })
    await stores.sessions.create(s)
    expect([...ttls.values()].every((t) => t !== undefined && t >= 60)).toBe(true)
    expect(await stores.sessions.find(s.id, at(now + 6 * SEC))).toBeNull()
  })

  it('lets racing rotations converge on one generation, even when KV refuses the second write', async () => {
    const now = at(Date.now())
    let writes = 0
    const { kv } = recordingKv((k) => k.includes('session:') && ++writes > 2) // create, then one rotation
    const stores = freshStores(kv)
    const s = aSession(now)
    await stores.sessions.create(s)
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => stores.sessions.rotate(s.id, gen(0), now, POLICY)),
    )
    for (const o of outcomes) expect(o.kind === 'rotated' || o.kind === 'grace').toBe(true)
    expect(
      new Set(outcomes.map((o) => (o.kind === 'rotated' || o.kind === 'grace' ? o.session.generation : -1))),
    ).toEqual(new Set([1]))
    expect((await stores.sessions.find(s.id, now))?.generation).toBe(1)
  })

  it('keeps rate limits in the atomic store: parallel hits are counted exactly', async () => {
    const stores = freshStores()
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        stores.limiter.hit('ip:login:203.0.113.9', { limit: 10, window: seconds(60) }, at(Date.now())),
      ),
    )
    expect(results.filter((r) => r.allowed)).toHaveLength(10)
  })

  it('turns a failing KV into store_unavailable', async () => {
    const failing: KvLike = {
      get: () => Promise.reject(new Error('KV GET failed: 500')),
      put: () => Promise.reject(new Error('KV PUT failed: 500')),
      delete: () => Promise.reject(new Error('KV DELETE failed: 500')),
      list: () => Promise.reject(new Error('KV LIST failed: 500')),
    }
    const stores = freshStores(failing)
    await expect(stores.sessions.find(aSession(Date.now()).id, at(Date.now()))).rejects.toBeInstanceOf(UnavailableError)
    await expect(stores.health.ping()).rejects.toMatchObject({ code: 'store_unavailable' })
  })
})

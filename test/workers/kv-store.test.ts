import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createDurableObjectStores } from '../../src/adapters/stores/durable-object/index.js'
import { createKvStores, type KvLike, kvTtl } from '../../src/adapters/stores/kv/index.js'
import { UnavailableError } from '../../src/domain/errors.js'
import { millis, seconds } from '../../src/domain/units.js'
import { runStoreContract } from '../contract/stores.contract.js'
import { SEC } from '../support/constants.js'
import { aSession, aToken, at, aUser, gen } from '../support/fixtures.js'

const POLICY = { graceMs: millis(10 * SEC), slidingMs: millis(30 * 86_400 * SEC) }

const freshStores = (kv: KvLike = env.AUTH_KV) => {
  const prefix = `c-${crypto.randomUUID()}/`
  const durable = createDurableObjectStores(env.AUTH_STORE, { prefix })
  return createKvStores(kv, { rateLimits: durable, tokens: durable.tokens, prefix })
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
    const durable = createDurableObjectStores(env.AUTH_STORE)
    const stores = createKvStores(env.AUTH_KV, { rateLimits: durable, tokens: durable.tokens, prefix })
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

describe('kv store: the account lifecycle', () => {
  const prefixed = () => {
    const prefix = `lc-${crypto.randomUUID()}/`
    const durable = createDurableObjectStores(env.AUTH_STORE, { prefix })
    return {
      prefix,
      durable,
      stores: createKvStores(env.AUTH_KV, { rateLimits: durable, tokens: durable.tokens, prefix }),
    }
  }

  it('reads a record written before emailVerified and roles as not verified with no roles', async () => {
    const { prefix, stores } = prefixed()
    const { emailVerified: _v, roles: _r, ...old } = aUser({ name: 'Old' })
    await env.AUTH_KV.put(`${prefix}user:${old.id}`, JSON.stringify(old))
    await env.AUTH_KV.put(`${prefix}email:${old.email}`, JSON.stringify(old))
    const user = { ...old, emailVerified: false, roles: [] }
    expect(await stores.users.findById(old.id)).toEqual(user)
    expect(await stores.users.findByEmail(old.email)).toEqual(user)
    expect(await stores.users.update(old.id, { roles: ['admin'] })).toEqual({ ...user, roles: ['admin'] })
    expect(await stores.users.findByEmail(old.email)).toEqual({ ...user, roles: ['admin'] })
  })

  it('keeps tokens in the store passed as `tokens`: of ten racers exactly one spends a token', async () => {
    const { durable, stores } = prefixed()
    const now = Date.now()
    const t = aToken(aUser().id, 'reset_password', now)
    await stores.tokens.issue(t)
    expect(await durable.tokens.listForUser(t.userId, at(now))).toEqual([t])
    const results = await Promise.all(
      Array.from({ length: 10 }, () => stores.tokens.consume(t.userId, t.digest, ['reset_password'], at(now))),
    )
    expect(results.filter((r) => r !== null)).toEqual([t])
  })

  it('a change stopped after writing the new address: both find the account, and a retry completes', async () => {
    const { prefix, stores } = prefixed()
    const user = aUser()
    await stores.users.create(user)
    const email = aUser().email
    const moved = { ...user, email, emailVerified: true }
    await env.AUTH_KV.put(`${prefix}email:${email}`, JSON.stringify(moved)) // step 1 of 3
    expect(await stores.users.findByEmail(email)).toEqual(moved)
    expect(await stores.users.findByEmail(user.email)).toEqual(user)
    expect(await stores.users.changeEmail(user.id, email)).toEqual(moved)
    expect(await stores.users.findByEmail(user.email)).toBeNull()
    expect(await stores.users.findById(user.id)).toEqual(moved)
  })

  it("deletes the account's sessions and tokens with it", async () => {
    const { stores } = prefixed()
    const user = aUser()
    await stores.users.create(user)
    const now = Date.now()
    const s = aSession(now, { userId: user.id })
    await stores.sessions.create(s)
    await stores.tokens.issue(aToken(user.id, 'verify_email', now))
    expect(await stores.users.delete(user.id)).toBe(true)
    expect(await stores.sessions.find(s.id, at(now))).toBeNull()
    expect(await stores.sessions.listForUser(user.id, at(now))).toEqual([])
    expect(await stores.tokens.listForUser(user.id, at(now))).toEqual([])
  })
})

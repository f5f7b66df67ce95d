import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { type AuthStoreNamespace, createDurableObjectStores } from '../../src/adapters/stores/durable-object/index.js'
import { UnavailableError } from '../../src/domain/errors.js'
import { millis, seconds } from '../../src/domain/units.js'
import { runStoreContract } from '../contract/stores.contract.js'
import { SEC } from '../support/constants.js'
import { aSession, at, aUser, gen } from '../support/fixtures.js'

/** A fresh store per test: the objects' storage outlives a test, so each test gets its own names. */
const freshStores = () => createDurableObjectStores(env.AUTH_STORE, { prefix: `c-${crypto.randomUUID()}/` })

runStoreContract('durable-object', async () => ({ stores: freshStores() }))

/** A namespace whose every object fails the way an outage does. */
const broken = (fail: () => Promise<never>): AuthStoreNamespace =>
  ({
    idFromName: (name: string) => env.AUTH_STORE.idFromName(name),
    get: () => new Proxy({}, { get: () => fail }),
  }) as unknown as AuthStoreNamespace

describe('durable-object store: outages', () => {
  const rejecting = broken(() => Promise.reject(new Error('Durable Object reset because its code was updated.')))

  it('turns a rejected call into store_unavailable, for every port', async () => {
    const stores = createDurableObjectStores(rejecting)
    const now = at(Date.now())
    const calls = [
      () => stores.users.create(aUser()),
      () => stores.users.findById(aUser().id),
      () => stores.sessions.rotate(aSession(now).id, gen(0), now, { graceMs: millis(1), slidingMs: millis(1) }),
      () => stores.sessions.listForUser(aUser().id, now),
      () => stores.limiter.hit('k', { limit: 1, window: seconds(60) }, now),
      () => stores.health.ping(),
    ]
    for (const call of calls) {
      const err = await call().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(UnavailableError)
      expect(err).toMatchObject({ code: 'store_unavailable', retryAfter: 5 * SEC }) // STORE_RETRY_AFTER.unreachable, in ms
    }
  })

  it('gives up on an object that does not answer within the timeout', async () => {
    const hanging = broken(() => new Promise<never>(() => {}))
    const stores = createDurableObjectStores(hanging, { timeoutMs: 50 })
    const started = Date.now()
    const err = await stores.health.ping().catch((e: unknown) => e)
    // The cause says it was the store's own timeout that answered (the call itself never settles);
    // the wall-clock bound is only a generous backstop, well above the 50 ms on a loaded machine.
    expect(err).toBeInstanceOf(UnavailableError)
    expect((err as UnavailableError).cause).toMatchObject({
      name: 'StoreTimeout',
      message: expect.stringMatching(/50 ms/),
    })
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})

describe('durable-object store: the objects behind it', () => {
  it('keeps one object per user, so a session id finds its user through a pointer', async () => {
    const prefix = `p-${crypto.randomUUID()}/`
    const a = createDurableObjectStores(env.AUTH_STORE, { prefix })
    const b = createDurableObjectStores(env.AUTH_STORE, { prefix }) // another isolate: a cold pointer cache
    const s = aSession(Date.now())
    await a.sessions.create(s)
    expect(await b.sessions.find(s.id, at(Date.now()))).toEqual(s)
    expect(
      (await b.sessions.rotate(s.id, gen(0), at(Date.now()), { graceMs: millis(10_000), slidingMs: millis(60_000) }))
        .kind,
    ).toBe('rotated')
    expect((await a.sessions.find(s.id, at(Date.now())))?.generation).toBe(1)
  })

  it("drops the sid: pointer of a session its user's newer one pushed out, and keeps the others'", async () => {
    const prefix = `p-${crypto.randomUUID()}/`
    const stores = createDurableObjectStores(env.AUTH_STORE, { prefix })
    const now = Date.now()
    const userId = aUser().id
    const oldest = aSession(now, { userId })
    const kept = [1, 2, 3].map((i) => aSession(now + i * 1000, { userId }))
    for (const s of [oldest, ...kept]) await stores.sessions.create(s, { maxPerUser: 3 })
    const pointers = (id: string) =>
      runInDurableObject(env.AUTH_STORE.get(env.AUTH_STORE.idFromName(`${prefix}sid:${id}`)), (_, state) =>
        state.storage.sql.exec('SELECT user_id FROM pointer').toArray(),
      )
    expect(await pointers(oldest.id)).toEqual([])
    for (const s of kept) expect(await pointers(s.id)).toEqual([{ user_id: userId }])
    const cold = createDurableObjectStores(env.AUTH_STORE, { prefix }) // no cached pointer
    expect(await cold.sessions.find(oldest.id, at(now + 4000))).toBeNull()
  })

  it('lets exactly one of ten racers take an email, across cold adapters too', async () => {
    const prefix = `e-${crypto.randomUUID()}/`
    const email = aUser().email
    const racers = Array.from({ length: 10 }, () => createDurableObjectStores(env.AUTH_STORE, { prefix }))
    const users = racers.map(() => aUser({ email }))
    const results = await Promise.all(racers.map((stores, i) => stores.users.create(users[i] as never)))
    expect(results.filter((r) => r === 'created')).toHaveLength(1)
    const winner = users[results.indexOf('created')]
    expect(await (racers[0]?.users.findByEmail(email) ?? null)).toEqual(winner)
    for (const [i, u] of users.entries()) {
      if (results[i] === 'email_taken') expect(await racers[0]?.users.findById(u.id)).toBeNull()
    }
  })

  it('separates stores by prefix', async () => {
    const one = freshStores()
    const two = freshStores()
    const user = aUser()
    await one.users.create(user)
    expect(await two.users.findByEmail(user.email)).toBeNull()
    expect(await two.users.create(aUser({ email: user.email }))).toBe('created')
  })
})

describe('durable-object store: cleanup alarms', () => {
  const objectNamed = (name: string) => env.AUTH_STORE.get(env.AUTH_STORE.idFromName(name))
  const tablesOf = (stub: ReturnType<typeof objectNamed>) =>
    runInDurableObject(stub, (_, state) =>
      state.storage.sql
        .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'")
        .toArray()
        .map((r) => String(r.name)),
    )

  it('leaves no object behind for lookups of unknown emails, session ids and rate keys', async () => {
    const prefix = `a-${crypto.randomUUID()}/`
    const stores = createDurableObjectStores(env.AUTH_STORE, { prefix })
    const now = at(Date.now())
    const stranger = aSession(now)
    const email = aUser().email
    expect(await stores.users.findByEmail(email)).toBeNull()
    expect(await stores.sessions.find(stranger.id, now)).toBeNull()
    expect(await stores.sessions.revoke(stranger.id)).toBeNull()
    expect(await stores.sessions.revokeAllForUser(stranger.userId, at(Date.now()))).toBe(0)
    await stores.limiter.reset('login-fail:x')
    for (const name of [`email:${email}`, `sid:${stranger.id}`, `user:${stranger.userId}`, 'rate:login-fail:x']) {
      expect(await tablesOf(objectNamed(`${prefix}${name}`)), name).toEqual([])
    }
  })

  it('deletes expired sessions on the alarm, keeps live ones, and wakes again for the next expiry', async () => {
    const prefix = `a-${crypto.randomUUID()}/`
    const stores = createDurableObjectStores(env.AUTH_STORE, { prefix })
    const now = Date.now()
    const live = aSession(now)
    const dead = aSession(now, { userId: live.userId, createdAt: at(now - 10 * SEC), expiresAt: at(now - SEC) })
    await stores.sessions.create(live)
    await stores.sessions.create(dead)
    const home = objectNamed(`${prefix}user:${live.userId}`)
    await runDurableObjectAlarm(home) // may already have run: it was due at once
    const ids = await runInDurableObject(home, (_, state) =>
      state.storage.sql
        .exec('SELECT id FROM session')
        .toArray()
        .map((r) => r.id),
    )
    expect(ids).toEqual([live.id])
    expect(await runInDurableObject(home, (_, state) => state.storage.getAlarm())).toBe(live.expiresAt)
  })

  it('deletes an object whole once nothing is left in it', async () => {
    const prefix = `a-${crypto.randomUUID()}/`
    const stores = createDurableObjectStores(env.AUTH_STORE, { prefix })
    const s = aSession(Date.now())
    await stores.sessions.create(s)
    await stores.sessions.revoke(s.id)
    const home = objectNamed(`${prefix}user:${s.userId}`)
    expect(await tablesOf(home)).toEqual(['session'])
    expect(await runDurableObjectAlarm(home)).toBe(true)
    expect(await tablesOf(home)).toEqual([])
    expect(await runInDurableObject(home, (_, state) => state.storage.getAlarm())).toBeNull()
    // The revoked session's pointer went at once, with no alarm needed.
    expect(await tablesOf(objectNamed(`${prefix}sid:${s.id}`))).toEqual(['pointer'])
    expect(
      await runInDurableObject(objectNamed(`${prefix}sid:${s.id}`), (_, st) =>
        st.storage.sql.exec('SELECT * FROM pointer').toArray(),
      ),
    ).toEqual([])
  })

  it('drops a rate-limit window once it has passed', async () => {
    const prefix = `a-${crypto.randomUUID()}/`
    const stores = createDurableObjectStores(env.AUTH_STORE, { prefix })
    const key = `ip:login:${crypto.randomUUID()}`
    await stores.limiter.hit(key, { limit: 5, window: seconds(60) }, at(Date.now() - 61 * SEC)) // a window already over
    const counter = objectNamed(`${prefix}rate:${key}`)
    await runDurableObjectAlarm(counter)
    expect(await tablesOf(counter)).toEqual([])
  })

  it('drops a pending account nobody confirmed after an hour, and never a confirmed one', async () => {
    const prefix = `a-${crypto.randomUUID()}/`
    const user = aUser()
    const home = objectNamed(`${prefix}user:${user.id}`)
    await home.userPutPending(user, at(Date.now() - 2 * 3600 * SEC)) // its creator died two hours ago
    await runDurableObjectAlarm(home)
    expect(await tablesOf(home)).toEqual([])
    const stores = createDurableObjectStores(env.AUTH_STORE, { prefix })
    const confirmed = aUser()
    await stores.users.create(confirmed)
    const confirmedHome = objectNamed(`${prefix}user:${confirmed.id}`)
    await runDurableObjectAlarm(confirmedHome)
    expect(await stores.users.findById(confirmed.id)).toEqual(confirmed)
  })

  it('lets the email claim confirm an account whose creator died before confirming it', async () => {
    const prefix = `a-${crypto.randomUUID()}/`
    const user = aUser()
    const now = Date.now()
    const home = objectNamed(`${prefix}user:${user.id}`)
    await home.userPutPending(user, now)
    const stores = createDurableObjectStores(env.AUTH_STORE, { prefix })
    expect(await stores.users.findById(user.id)).toBeNull() // pending and unclaimed: not an account
    await objectNamed(`${prefix}email:${user.email}`).emailClaim(user, now)
    expect(await stores.users.findByEmail(user.email)).toEqual(user) // the claim's copy
    expect(await stores.users.findById(user.id)).toEqual(user) // the claim proves it, and confirms it
    expect(await home.userFind(user.id)).toEqual(user)
    await runDurableObjectAlarm(home) // a confirmed account is never dropped
    expect(await stores.users.findById(user.id)).toEqual(user)
    expect(await stores.users.create(aUser({ email: user.email }))).toBe('email_taken')
  })
})

import { describe, expect, it } from 'vitest'
import { BoundedExpiringMap } from '../../src/adapters/bounded-map.js'
import { createMemoryStores } from '../../src/adapters/stores/memory/index.js'
import { UnavailableError } from '../../src/domain/errors.js'
import { DEFAULT_MAX_SESSIONS_PER_USER } from '../../src/domain/session.js'
import { millis, seconds } from '../../src/domain/units.js'
import type { UserId } from '../../src/domain/user.js'
import { SEC } from '../support/constants.js'
import { aSession, at, aUser, gen } from '../support/fixtures.js'

const T0 = at(Date.UTC(2026, 0, 1))
const rule = { limit: 1, window: seconds(60) }
const policy = { graceMs: millis(10 * SEC), slidingMs: millis(30 * 86_400 * SEC) }

describe('memory store: bounded sessions', () => {
  it("refuses a new session past maxSessions (503) rather than evict another user's live one", async () => {
    const { sessions } = createMemoryStores({ maxSessions: 3 })
    const alice = 'alice-user-id' as UserId
    const bob = 'bob-user-id' as UserId
    const s1 = aSession(T0, { userId: alice })
    const s2 = aSession(T0 + 1, { userId: alice })
    const s3 = aSession(T0 + 2, { userId: bob })
    for (const s of [s1, s2, s3]) await sessions.create(s)
    const flood = aSession(T0 + 3, { userId: bob })
    await expect(sessions.create(flood)).rejects.toBeInstanceOf(UnavailableError)
    await expect(sessions.create(flood)).rejects.toMatchObject({ code: 'store_unavailable' })
    const now = at(T0 + 10)
    for (const s of [s1, s2, s3]) expect(await sessions.find(s.id, now)).toEqual(s)
    expect(await sessions.find(flood.id, now)).toBeNull()
    expect((await sessions.listForUser(alice, now)).map((s) => s.id).sort()).toEqual([s1.id, s2.id].sort())
    expect((await sessions.listForUser(bob, now)).map((s) => s.id)).toEqual([s3.id])
    // A rotation of a session it holds is not a new one: always stored.
    expect((await sessions.rotate(s1.id, gen(0), now, policy)).kind).toBe('rotated')
    // Room again once one is revoked.
    expect(await sessions.revoke(s3.id)).toBe(bob)
    await sessions.create(flood)
    expect(await sessions.find(flood.id, now)).toEqual(flood)
  })

  it("at the bound, a user's session past their own cap still replaces their oldest", async () => {
    const { sessions } = createMemoryStores({ maxSessions: 3 })
    const alice = 'alice-user-id' as UserId
    const bob = aSession(T0)
    const a1 = aSession(T0 + 1, { userId: alice })
    const a2 = aSession(T0 + 2, { userId: alice })
    for (const s of [bob, a1, a2]) await sessions.create(s, { maxPerUser: 2 })
    const newest = aSession(T0 + 3, { userId: alice })
    await sessions.create(newest, { maxPerUser: 2 })
    const now = at(T0 + 10)
    expect(await sessions.find(a1.id, now)).toBeNull()
    expect((await sessions.listForUser(alice, now)).map((s) => s.id).sort()).toEqual([a2.id, newest.id].sort())
    expect(await sessions.find(bob.id, now)).toEqual(bob)
  })

  it(`keeps at most ${DEFAULT_MAX_SESSIONS_PER_USER} sessions per user when no cap is given`, async () => {
    const { sessions } = createMemoryStores()
    const userId = 'many-logins' as UserId
    const first = aSession(T0, { userId })
    const rest = Array.from({ length: DEFAULT_MAX_SESSIONS_PER_USER }, (_, i) => aSession(T0 + 1 + i, { userId }))
    for (const s of [first, ...rest]) await sessions.create(s)
    const now = at(T0 + 1000)
    expect(await sessions.find(first.id, now)).toBeNull()
    expect((await sessions.listForUser(userId, now)).map((s) => s.id).sort()).toEqual(rest.map((s) => s.id).sort())
  })

  it('forgets expired sessions and keeps the index in step', async () => {
    const { sessions } = createMemoryStores({ maxSessions: 10 })
    const userId = 'expiring-user' as UserId
    const short = aSession(T0, { userId, expiresAt: at(T0 + 60 * SEC) })
    const long = aSession(T0, { userId })
    await sessions.create(short)
    await sessions.create(long)
    const later = at(T0 + 61 * SEC)
    expect(await sessions.find(short.id, later)).toBeNull()
    expect((await sessions.listForUser(userId, later)).map((s) => s.id)).toEqual([long.id])
    expect(await sessions.revokeAllForUser(userId, later)).toBe(1)
  })

  it('sweeps expired sessions on write, so they do not push a live one out of the bound', async () => {
    const { sessions } = createMemoryStores({ maxSessions: 3 })
    const live = aSession(T0)
    const short1 = aSession(T0, { expiresAt: at(T0 + 60 * SEC) })
    const short2 = aSession(T0, { expiresAt: at(T0 + 60 * SEC) })
    for (const s of [live, short1, short2]) await sessions.create(s)
    const later = at(T0 + 61 * SEC)
    const fresh = [aSession(later), aSession(later)]
    for (const s of fresh) await sessions.create(s)
    expect(await sessions.find(live.id, later)).toEqual(live)
    for (const s of fresh) expect(await sessions.find(s.id, later)).toEqual(s)
  })
})

describe('memory store: bounded rate keys', () => {
  it('keeps at most maxRateKeys counters, refusing a new key (503) rather than dropping a live one', async () => {
    const { limiter } = createMemoryStores({ maxRateKeys: 2 })
    for (const key of ['a', 'b']) expect(await limiter.hit(key, rule, T0)).toEqual({ allowed: true })
    await expect(limiter.hit('c', rule, T0)).rejects.toMatchObject({
      name: 'UnavailableError',
      code: 'store_unavailable',
    })
    // Both live counters are still counted, and still counting.
    expect(await limiter.hit('a', rule, T0)).toMatchObject({ allowed: false })
    expect(await limiter.hit('b', rule, T0)).toMatchObject({ allowed: false })
    // Once a window has ended there is room again.
    expect(await limiter.hit('c', rule, at(T0 + 60 * SEC))).toEqual({ allowed: true })
  })

  it('drops the oldest forgettable counter for a new one, never refusing it nor touching a lockout', async () => {
    const { limiter } = createMemoryStores({ maxRateKeys: 2 })
    const perIp = { ...rule, mayForget: true }
    for (const key of ['lock-a', 'lock-b']) await limiter.hit(key, rule, T0)
    // A flood of new clients: every one is counted, none refused, though the lockout room is full.
    for (let i = 0; i < 10; i++) expect(await limiter.hit(`ip:${i}`, perIp, T0)).toEqual({ allowed: true })
    // The newest is still counted (a second hit is over the limit of 1); the oldest was forgotten
    // and starts a fresh window.
    expect(await limiter.hit('ip:9', perIp, T0)).toMatchObject({ allowed: false })
    expect(await limiter.hit('ip:0', perIp, T0)).toEqual({ allowed: true })
    // The lockouts are untouched, still counting in their windows.
    expect(await limiter.hit('lock-a', rule, T0)).toMatchObject({ allowed: false })
    expect(await limiter.hit('lock-b', rule, T0)).toMatchObject({ allowed: false })
    await expect(limiter.hit('lock-c', rule, T0)).rejects.toMatchObject({ code: 'store_unavailable' })
  })

  it('sweeps ended windows on write, so they do not push a live counter out', async () => {
    const { limiter } = createMemoryStores({ maxRateKeys: 2 })
    const hour = { limit: 1, window: seconds(3600) }
    await limiter.hit('live', hour, T0)
    await limiter.hit('short', rule, T0)
    const later = at(T0 + 61 * SEC)
    await limiter.hit('new', rule, later)
    expect(await limiter.hit('live', hour, later)).toMatchObject({ allowed: false })
  })

  it('ends a window on time and resets on demand', async () => {
    const { limiter } = createMemoryStores()
    expect(await limiter.hit('k', rule, T0)).toEqual({ allowed: true })
    // The window ends at T0 + 60 s: 1 s (1000 ms) to go.
    expect(await limiter.hit('k', rule, at(T0 + 59 * SEC))).toEqual({ allowed: false, retryAfter: 1 * SEC })
    expect(await limiter.hit('k', rule, at(T0 + 60 * SEC))).toEqual({ allowed: true })
    await limiter.reset('k')
    expect(await limiter.hit('k', rule, at(T0 + 60 * SEC))).toEqual({ allowed: true })
  })
})

describe('memory store: users', () => {
  it('refuses a new user past maxUsers with UnavailableError, keeping the ones it has', async () => {
    const { users } = createMemoryStores({ maxUsers: 2 })
    const kept = [aUser(), aUser()]
    for (const u of kept) expect(await users.create(u)).toBe('created')
    const extra = aUser()
    await expect(users.create(extra)).rejects.toBeInstanceOf(UnavailableError)
    await expect(users.create(extra)).rejects.toMatchObject({ code: 'store_unavailable' })
    expect(await users.findByEmail(extra.email)).toBeNull()
    for (const u of kept) expect(await users.findById(u.id)).toEqual(u)
    // A duplicate is still answered as such, not as an outage.
    expect(await users.create(aUser({ email: kept[0]?.email ?? aUser().email }))).toBe('email_taken')
  })

  it('keeps its own copy: a caller mutating the record it passed changes nothing', async () => {
    const { users } = createMemoryStores()
    const user = { ...aUser(), name: 'Ada' }
    await users.create(user)
    ;(user as { name: string }).name = 'Mallory'
    expect((await users.findById(user.id))?.name).toBe('Ada')
  })
})

describe('BoundedExpiringMap (the memory store’s map)', () => {
  it('shrinks as expired entries are swept by later writes', () => {
    const map = new BoundedExpiringMap<string, number>(1000)
    for (let i = 0; i < 20; i++) map.set(`old${i}`, i, T0 + SEC, T0)
    expect(map.size).toBe(20)
    const later = T0 + 2 * SEC
    const sizes: number[] = []
    for (let i = 0; i < 10; i++) {
      map.set(`new${i}`, i, later + 60 * SEC, later)
      sizes.push(map.size)
    }
    expect(Math.min(...sizes)).toBeLessThan(20)
    expect(map.size).toBe(10)
  })

  it('drops an expired entry when it is read, and calls onEvict for every removal', () => {
    const evicted: string[] = []
    const map = new BoundedExpiringMap<string, number>(2, (key) => evicted.push(key))
    map.set('a', 1, T0 + SEC, T0)
    expect(map.get('a', T0 + SEC - 1)).toBe(1)
    expect(map.get('a', T0 + SEC)).toBeUndefined()
    expect(map.size).toBe(0)
    map.set('b', 2, T0 + 60 * SEC, T0)
    map.set('c', 3, T0 + 60 * SEC, T0)
    map.set('d', 4, T0 + 60 * SEC, T0)
    expect(map.size).toBe(2)
    expect(map.get('b', T0)).toBeUndefined()
    map.delete('c')
    expect(evicted).toEqual(['a', 'b', 'c'])
  })

  it('in refuse mode, never drops a live entry: a new key is refused until one expires', () => {
    const evicted: string[] = []
    const map = new BoundedExpiringMap<string, number>(3, (key) => evicted.push(key), 'refuse')
    expect(map.set('a', 1, T0 + 60 * SEC, T0)).toBe(true)
    expect(map.set('b', 2, T0 + 10 * SEC, T0)).toBe(true)
    expect(map.set('c', 3, T0 + 60 * SEC, T0)).toBe(true)
    expect(map.set('d', 4, T0 + 60 * SEC, T0)).toBe(false)
    expect(map.get('d', T0)).toBeUndefined()
    expect(map.set('a', 10, T0 + 60 * SEC, T0)).toBe(true) // a key it holds can always be updated
    expect([map.get('a', T0), map.get('b', T0), map.get('c', T0)]).toEqual([10, 2, 3])
    expect(evicted).toEqual([])
    // 'b' has expired: a write finds it (wherever it sits in the map) and takes its place.
    const later = T0 + 10 * SEC
    expect(map.set('d', 4, later + 60 * SEC, later)).toBe(true)
    expect(evicted).toEqual(['b'])
    expect(map.size).toBe(3)
  })

  it('in refuse mode, walks the whole map for expired entries at most once a second', () => {
    const map = new BoundedExpiringMap<string, number>(100, undefined, 'refuse')
    for (let i = 0; i < 99; i++) map.set(`live${i}`, i, T0 + 3600 * SEC, T0)
    map.set('short', 0, T0 + SEC, T0) // last in order: the slices of 8 per write do not reach it here
    expect(map.set('x', 1, T0 + 3600 * SEC, T0 + 500)).toBe(false) // full walk: nothing expired yet
    expect(map.set('x', 1, T0 + 3600 * SEC, T0 + SEC)).toBe(false) // expired, but walked 500 ms ago
    expect(map.get('short', T0 + 500)).toBe(0)
    expect(map.set('x', 1, T0 + 3600 * SEC, T0 + 1500)).toBe(true)
    expect(map.size).toBe(100)
  })

  it('replaces a key in place without reporting an eviction', () => {
    const evicted: string[] = []
    const map = new BoundedExpiringMap<string, number>(2, (key) => evicted.push(key))
    map.set('a', 1, T0 + SEC, T0)
    map.set('a', 2, T0 + SEC, T0)
    expect(map.size).toBe(1)
    expect(map.get('a', T0)).toBe(2)
    expect(evicted).toEqual([])
  })
})

import { describe, expect, it } from 'vitest'
import { BoundedExpiringMap } from '../../src/adapters/bounded-map.js'
import { createMemoryStores } from '../../src/adapters/stores/memory/index.js'
import { UnavailableError } from '../../src/domain/errors.js'
import type { UserId } from '../../src/domain/user.js'
import { aSession, aUser } from '../support/fixtures.js'

const SEC = 1000
const T0 = Date.UTC(2026, 0, 1)
const rule = { limit: 1, windowSeconds: 60 }
const policy = { graceMs: 10 * SEC, slidingMs: 30 * 86_400 * SEC }

describe('memory store: bounded sessions', () => {
  it('evicts the oldest session past maxSessions and keeps the user index consistent', async () => {
    const { sessions } = createMemoryStores({ maxSessions: 3 })
    const alice = 'alice-user-id' as UserId
    const bob = 'bob-user-id' as UserId
    const s1 = aSession(T0, { userId: alice, createdAt: T0 })
    const s2 = aSession(T0 + 1, { userId: alice, createdAt: T0 + 1 })
    const s3 = aSession(T0 + 2, { userId: bob, createdAt: T0 + 2 })
    const s4 = aSession(T0 + 3, { userId: bob, createdAt: T0 + 3 })
    for (const s of [s1, s2, s3, s4]) await sessions.create(s)
    const now = T0 + 10
    expect(await sessions.find(s1.id, now)).toBeNull()
    for (const s of [s2, s3, s4]) expect(await sessions.find(s.id, now)).toEqual(s)
    expect((await sessions.listForUser(alice, now)).map((s) => s.id)).toEqual([s2.id])
    expect((await sessions.listForUser(bob, now)).map((s) => s.id).sort()).toEqual([s3.id, s4.id].sort())
    // The index dropped the evicted id: revoke-all counts only what is really there.
    expect(await sessions.revokeAllForUser(alice)).toBe(1)
    expect(await sessions.revokeAllForUser(alice)).toBe(0)
    expect(await sessions.revoke(s1.id)).toBeNull()
  })

  it('counts a rotation as a write: the session rotated last is evicted last', async () => {
    const { sessions } = createMemoryStores({ maxSessions: 2 })
    const s1 = aSession(T0)
    const s2 = aSession(T0)
    await sessions.create(s1)
    await sessions.create(s2)
    expect((await sessions.rotate(s1.id, 0, T0 + SEC, policy)).kind).toBe('rotated')
    const s3 = aSession(T0 + 2 * SEC)
    await sessions.create(s3)
    const now = T0 + 3 * SEC
    expect(await sessions.find(s2.id, now)).toBeNull()
    expect((await sessions.find(s1.id, now))?.generation).toBe(1)
    expect(await sessions.find(s3.id, now)).not.toBeNull()
    expect((await sessions.listForUser(s1.userId, now)).map((s) => s.id)).toEqual([s1.id])
    expect(await sessions.listForUser(s2.userId, now)).toEqual([])
  })

  it('forgets expired sessions and keeps the index in step', async () => {
    const { sessions } = createMemoryStores({ maxSessions: 10 })
    const userId = 'expiring-user' as UserId
    const short = aSession(T0, { userId, expiresAt: T0 + 60 * SEC })
    const long = aSession(T0, { userId })
    await sessions.create(short)
    await sessions.create(long)
    const later = T0 + 61 * SEC
    expect(await sessions.find(short.id, later)).toBeNull()
    expect((await sessions.listForUser(userId, later)).map((s) => s.id)).toEqual([long.id])
    expect(await sessions.revokeAllForUser(userId)).toBe(1)
  })

  it('sweeps expired sessions on write, so they do not push a live one out of the bound', async () => {
    const { sessions } = createMemoryStores({ maxSessions: 3 })
    const live = aSession(T0)
    const short1 = aSession(T0, { expiresAt: T0 + 60 * SEC })
    const short2 = aSession(T0, { expiresAt: T0 + 60 * SEC })
    for (const s of [live, short1, short2]) await sessions.create(s)
    const later = T0 + 61 * SEC
    const fresh = [aSession(later), aSession(later)]
    for (const s of fresh) await sessions.create(s)
    expect(await sessions.find(live.id, later)).toEqual(live)
    for (const s of fresh) expect(await sessions.find(s.id, later)).toEqual(s)
  })
})

describe('memory store: bounded rate keys', () => {
  it('keeps at most maxRateKeys counters, dropping the oldest', async () => {
    const { limiter } = createMemoryStores({ maxRateKeys: 2 })
    for (const key of ['a', 'b', 'c']) expect(await limiter.hit(key, rule, T0)).toEqual({ allowed: true })
    // 'a' was dropped, so its count starts again; 'b' and 'c' are still counted.
    expect(await limiter.hit('c', rule, T0)).toMatchObject({ allowed: false })
    expect(await limiter.hit('b', rule, T0)).toMatchObject({ allowed: false })
    expect(await limiter.hit('a', rule, T0)).toEqual({ allowed: true })
  })

  it('sweeps ended windows on write, so they do not push a live counter out', async () => {
    const { limiter } = createMemoryStores({ maxRateKeys: 2 })
    const hour = { limit: 1, windowSeconds: 3600 }
    await limiter.hit('live', hour, T0)
    await limiter.hit('short', rule, T0)
    const later = T0 + 61 * SEC
    await limiter.hit('new', rule, later)
    expect(await limiter.hit('live', hour, later)).toMatchObject({ allowed: false })
  })

  it('ends a window on time and resets on demand', async () => {
    const { limiter } = createMemoryStores()
    expect(await limiter.hit('k', rule, T0)).toEqual({ allowed: true })
    expect(await limiter.hit('k', rule, T0 + 59 * SEC)).toEqual({ allowed: false, retryAfter: 1 })
    expect(await limiter.hit('k', rule, T0 + 60 * SEC)).toEqual({ allowed: true })
    await limiter.reset('k')
    expect(await limiter.hit('k', rule, T0 + 60 * SEC)).toEqual({ allowed: true })
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

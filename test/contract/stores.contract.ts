import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Stores } from '../../src/application/ports.js'
import type { Email } from '../../src/domain/email.js'
import type { RotationPolicy } from '../../src/domain/session.js'
import { type Instant, millis, retryAfterSeconds, seconds } from '../../src/domain/units.js'
import type { UserId } from '../../src/domain/user.js'
import { DAY, SEC } from '../support/constants.js'
import { aSession, aToken, at, aUser, gen } from '../support/fixtures.js'

/**
 * Honest differences between stores. A strongly consistent store must make concurrent
 * check-and-sets agree, and treats a generation ahead of its own as reuse; an eventually
 * consistent one (KV) is exempt from those tests only, and answers such a generation as missing
 * (a stale read) instead.
 */
export interface StoreCapabilities {
  readonly strongConsistency: boolean
}

export interface StoreFixture {
  readonly stores: Stores
  /** Called after each test. */
  readonly cleanup?: () => Promise<void>
}

const POLICY: RotationPolicy = { graceMs: millis(10 * SEC), slidingMs: millis(30 * DAY) }

/**
 * The store contract: every store adapter runs this suite unchanged, against its real backend.
 * Instants are near the real clock so that backends with real TTLs keep what the test made.
 */
export function runStoreContract(
  name: string,
  makeFixture: () => Promise<StoreFixture>,
  caps: StoreCapabilities = { strongConsistency: true },
): void {
  describe(`store contract: ${name}`, () => {
    let fx: StoreFixture
    let stores: Stores
    let now: Instant

    beforeEach(async () => {
      fx = await makeFixture()
      stores = fx.stores
      now = at(Date.now())
    })
    afterEach(async () => {
      await fx.cleanup?.()
    })

    describe('UserRepository', () => {
      it('finds a created user by id and by email, field for field', async () => {
        const user = aUser({ name: 'Ada' })
        expect(await stores.users.create(user)).toBe('created')
        expect(await stores.users.findById(user.id)).toEqual(user)
        expect(await stores.users.findByEmail(user.email)).toEqual(user)
      })

      it('refuses a second account with the same email and keeps the first', async () => {
        const first = aUser()
        const second = aUser({ email: first.email })
        await stores.users.create(first)
        expect(await stores.users.create(second)).toBe('email_taken')
        expect(await stores.users.findByEmail(first.email)).toEqual(first)
        expect(await stores.users.findById(second.id)).toBeNull()
      })

      it('answers null for unknown ids and emails', async () => {
        expect(await stores.users.findById('nobody-here-at-all-xx' as UserId)).toBeNull()
        expect(await stores.users.findByEmail('nobody@example.com' as Email)).toBeNull()
      })

      it('updates the name and the password hash, and nothing else', async () => {
        const user = aUser()
        await stores.users.create(user)
        const renamed = await stores.users.update(user.id, { name: 'Grace' })
        expect(renamed).toEqual({ ...user, name: 'Grace' })
        const rehashed = await stores.users.update(user.id, { passwordHash: '$scrypt$new' })
        expect(rehashed).toEqual({ ...user, name: 'Grace', passwordHash: '$scrypt$new' })
        expect(await stores.users.findByEmail(user.email)).toEqual(rehashed)
      })

      it('answers null when updating a user that does not exist', async () => {
        expect(await stores.users.update('nobody-here-at-all-xx' as UserId, { name: 'X' })).toBeNull()
      })

      it('replaces the password hash while it is the expected one, else changes nothing', async () => {
        const user = aUser({ name: 'Ada', passwordHash: '$2b$04$imported' })
        await stores.users.create(user)
        const replaced = await stores.users.replacePasswordHash(user.id, '$2b$04$imported', '$scrypt$rehashed')
        expect(replaced).toEqual({ ...user, passwordHash: '$scrypt$rehashed' })
        expect(await stores.users.findById(user.id)).toEqual(replaced)
        expect(await stores.users.findByEmail(user.email)).toEqual(replaced)

        // A reset landed after the login read the hash: the rehash of the old one must not undo it.
        await stores.users.update(user.id, { passwordHash: '$scrypt$reset' })
        expect(await stores.users.replacePasswordHash(user.id, '$scrypt$rehashed', '$scrypt$stale')).toBe('changed')
        expect(await stores.users.findById(user.id)).toEqual({ ...user, passwordHash: '$scrypt$reset' })
        expect(await stores.users.findByEmail(user.email)).toEqual({ ...user, passwordHash: '$scrypt$reset' })
        expect(await stores.users.replacePasswordHash('nobody-here-at-all-xx' as UserId, 'a', 'b')).toBeNull()
      })

      it.runIf(caps.strongConsistency)('lets exactly one of ten racing replacements of one hash win', async () => {
        const user = aUser({ passwordHash: '$2b$04$imported' })
        await stores.users.create(user)
        const nexts = Array.from({ length: 10 }, (_, i) => `$scrypt$racer${i}`)
        const results = await Promise.all(
          nexts.map((next) => stores.users.replacePasswordHash(user.id, '$2b$04$imported', next)),
        )
        const winners = results.filter((r) => r !== 'changed')
        expect(winners).toHaveLength(1)
        expect(results.filter((r) => r === 'changed')).toHaveLength(9)
        expect((await stores.users.findById(user.id))?.passwordHash).toBe(
          (winners[0] as { passwordHash: string }).passwordHash,
        )
      })

      it('keeps whether the address is verified and the roles, and updates them', async () => {
        const user = aUser({ emailVerified: true, roles: ['admin', 'support'] })
        await stores.users.create(user)
        expect(await stores.users.findById(user.id)).toEqual(user)
        const plain = aUser()
        await stores.users.create(plain)
        const verified = await stores.users.update(plain.id, { emailVerified: true, roles: ['editor'] })
        expect(verified).toEqual({ ...plain, emailVerified: true, roles: ['editor'] })
        expect(await stores.users.findByEmail(plain.email)).toEqual(verified)
        expect(await stores.users.update(plain.id, { roles: [] })).toEqual({ ...plain, emailVerified: true, roles: [] })
      })

      it('keeps the disabled flag through updates and moves; enabled again reads as never disabled', async () => {
        const user = aUser({ name: 'Ada', roles: ['support'] })
        await stores.users.create(user)
        expect(await stores.users.findById(user.id)).not.toHaveProperty('disabled')
        const disabled = await stores.users.update(user.id, { disabled: true })
        expect(disabled).toEqual({ ...user, disabled: true })
        expect(await stores.users.findById(user.id)).toEqual(disabled)
        expect(await stores.users.findByEmail(user.email)).toEqual(disabled)
        // Another patch keeps the flag; so does a move to another address (its copy included).
        expect(await stores.users.update(user.id, { name: 'Grace' })).toEqual({ ...disabled, name: 'Grace' })
        const moved = aUser().email
        const changed = await stores.users.changeEmail(user.id, moved)
        expect(changed).toEqual({ ...user, name: 'Grace', email: moved, emailVerified: true, disabled: true })
        expect(await stores.users.findByEmail(moved)).toEqual(changed)
        const enabled = await stores.users.update(user.id, { disabled: false })
        expect(enabled).toEqual({ ...user, name: 'Grace', email: moved, emailVerified: true })
        expect(enabled).not.toHaveProperty('disabled')
        expect(await stores.users.findById(user.id)).toEqual(enabled)
        expect(await stores.users.findByEmail(moved)).toEqual(enabled)
        // An account created disabled (an import) stays so; `disabled: false` is stored as no flag.
        const off = aUser({ disabled: true })
        await stores.users.create(off)
        expect(await stores.users.findByEmail(off.email)).toEqual(off)
        const on = aUser({ disabled: false })
        await stores.users.create(on)
        expect(await stores.users.findById(on.id)).not.toHaveProperty('disabled')
      })

      it('moves an account to a free address: found there, verified, and the old address free again', async () => {
        const user = aUser({ name: 'Ada' })
        await stores.users.create(user)
        const moved = aUser().email
        const changed = await stores.users.changeEmail(user.id, moved)
        expect(changed).toEqual({ ...user, email: moved, emailVerified: true })
        expect(await stores.users.findById(user.id)).toEqual(changed)
        expect(await stores.users.findByEmail(moved)).toEqual(changed)
        expect(await stores.users.findByEmail(user.email)).toBeNull()
        const newcomer = aUser({ email: user.email })
        expect(await stores.users.create(newcomer)).toBe('created')
        expect(await stores.users.findByEmail(user.email)).toEqual(newcomer)
        expect(await stores.users.findById(user.id)).toEqual(changed)
      })

      it('refuses to move an account to a taken address and changes nothing', async () => {
        const user = aUser()
        const other = aUser()
        await stores.users.create(user)
        await stores.users.create(other)
        expect(await stores.users.changeEmail(user.id, other.email)).toBe('email_taken')
        expect(await stores.users.findById(user.id)).toEqual(user)
        expect(await stores.users.findByEmail(user.email)).toEqual(user)
        expect(await stores.users.findByEmail(other.email)).toEqual(other)
      })

      it('moving to the address it has only marks it verified; an unknown user is null', async () => {
        const user = aUser()
        await stores.users.create(user)
        expect(await stores.users.changeEmail(user.id, user.email)).toEqual({ ...user, emailVerified: true })
        expect(await stores.users.findByEmail(user.email)).toEqual({ ...user, emailVerified: true })
        expect(await stores.users.changeEmail('nobody-here-at-all-xx' as UserId, aUser().email)).toBeNull()
      })

      it.runIf(caps.strongConsistency)(
        'lets one of an address change and a registration take the address',
        async () => {
          const user = aUser()
          await stores.users.create(user)
          const email = aUser().email
          const [changed, created] = await Promise.all([
            stores.users.changeEmail(user.id, email),
            stores.users.create(aUser({ email })),
          ])
          const winners = [changed !== 'email_taken' && changed !== null, created === 'created']
          expect(winners.filter(Boolean)).toHaveLength(1)
          const holder = await stores.users.findByEmail(email)
          expect(holder?.id === user.id).toBe(winners[0])
          // The loser of the race kept what it had.
          if (!winners[0]) expect(await stores.users.findByEmail(user.email)).toEqual(user)
        },
      )

      it('deletes an account: gone by id and by email, the address free again, a second delete false', async () => {
        const user = aUser()
        const other = aUser()
        await stores.users.create(user)
        await stores.users.create(other)
        expect(await stores.users.delete(user.id)).toBe(true)
        expect(await stores.users.findById(user.id)).toBeNull()
        expect(await stores.users.findByEmail(user.email)).toBeNull()
        expect(await stores.users.delete(user.id)).toBe(false)
        expect(await stores.users.findById(other.id)).toEqual(other)
        expect(await stores.users.create(aUser({ email: user.email }))).toBe('created')
      })

      it('deletes an account that has moved address, releasing the new address', async () => {
        const user = aUser()
        await stores.users.create(user)
        const moved = aUser().email
        await stores.users.changeEmail(user.id, moved)
        expect(await stores.users.delete(user.id)).toBe(true)
        expect(await stores.users.findByEmail(moved)).toBeNull()
        expect(await stores.users.create(aUser({ email: moved }))).toBe('created')
      })

      it.runIf(caps.strongConsistency)('lets exactly one of ten racers take an email', async () => {
        const email = aUser().email
        const results = await Promise.all(Array.from({ length: 10 }, () => stores.users.create(aUser({ email }))))
        expect(results.filter((r) => r === 'created')).toHaveLength(1)
        expect(results.filter((r) => r === 'email_taken')).toHaveLength(9)
      })
    })

    describe('SessionStore', () => {
      it('finds a created session, field for field', async () => {
        const s = aSession(now)
        await stores.sessions.create(s)
        expect(await stores.sessions.find(s.id, now)).toEqual(s)
      })

      it('treats a session past its expiry as gone', async () => {
        const s = aSession(now, { expiresAt: at(now + 5 * SEC) })
        await stores.sessions.create(s)
        expect(await stores.sessions.find(s.id, at(now + 6 * SEC))).toBeNull()
        expect(await stores.sessions.rotate(s.id, gen(0), at(now + 6 * SEC), POLICY)).toEqual({ kind: 'missing' })
        expect(await stores.sessions.listForUser(s.userId, at(now + 6 * SEC))).toEqual([])
      })

      it('rotates the current generation, sliding the expiry', async () => {
        const s = aSession(now)
        await stores.sessions.create(s)
        const later = at(now + 60 * SEC)
        const outcome = await stores.sessions.rotate(s.id, gen(0), later, POLICY)
        const expected = { ...s, generation: 1, rotatedAt: later, lastUsedAt: later, expiresAt: later + 30 * DAY }
        expect(outcome).toEqual({ kind: 'rotated', session: expected })
        expect(await stores.sessions.find(s.id, later)).toEqual(expected)
      })

      it('never slides past the absolute lifetime', async () => {
        const s = aSession(now, { absoluteExpiresAt: at(now + 40 * DAY) })
        await stores.sessions.create(s)
        const later = at(now + 20 * DAY)
        const outcome = await stores.sessions.rotate(s.id, gen(0), later, POLICY)
        expect(outcome.kind).toBe('rotated')
        expect(outcome.kind === 'rotated' && outcome.session.expiresAt).toBe(now + 40 * DAY)
      })

      it('answers the previous generation within the grace window with the current state', async () => {
        const s = aSession(now)
        await stores.sessions.create(s)
        const rotated = await stores.sessions.rotate(s.id, gen(0), at(now + SEC), POLICY)
        const again = await stores.sessions.rotate(s.id, gen(0), at(now + 11 * SEC), POLICY)
        expect(rotated.kind).toBe('rotated')
        expect(again).toEqual({ kind: 'grace', session: rotated.kind === 'rotated' ? rotated.session : null })
        expect((await stores.sessions.find(s.id, at(now + 11 * SEC)))?.generation).toBe(1)
      })

      it('gives the grace outcome when the same rotation runs twice (a client or driver retry)', async () => {
        const s = aSession(now)
        await stores.sessions.create(s)
        const first = await stores.sessions.rotate(s.id, gen(0), now, POLICY)
        const second = await stores.sessions.rotate(s.id, gen(0), now, POLICY)
        expect(first.kind).toBe('rotated')
        expect(second.kind).toBe('grace')
      })

      it('revokes the session when the previous generation comes back after the grace window', async () => {
        const s = aSession(now)
        await stores.sessions.create(s)
        await stores.sessions.rotate(s.id, gen(0), now, POLICY)
        expect(await stores.sessions.rotate(s.id, gen(0), at(now + 11 * SEC), POLICY)).toEqual({
          kind: 'reused',
          userId: s.userId,
        })
        expect(await stores.sessions.find(s.id, at(now + 11 * SEC))).toBeNull()
        expect(await stores.sessions.rotate(s.id, gen(1), at(now + 12 * SEC), POLICY)).toEqual({ kind: 'missing' })
      })

      it('revokes the session when a generation older than the previous one comes back', async () => {
        const s = aSession(now)
        await stores.sessions.create(s)
        await stores.sessions.rotate(s.id, gen(0), now, POLICY)
        await stores.sessions.rotate(s.id, gen(1), at(now + SEC), POLICY)
        expect((await stores.sessions.rotate(s.id, gen(0), at(now + 2 * SEC), POLICY)).kind).toBe('reused')
        expect(await stores.sessions.listForUser(s.userId, at(now + 2 * SEC))).toEqual([])
      })

      it.runIf(caps.strongConsistency)('treats a generation from the future as reuse', async () => {
        const s = aSession(now)
        await stores.sessions.create(s)
        expect((await stores.sessions.rotate(s.id, gen(5), now, POLICY)).kind).toBe('reused')
      })

      // Eventually consistent: a location may read an older generation than the one the client
      // holds (which the MAC proves was issued). That is a stale read, not reuse: nothing is revoked.
      it.runIf(!caps.strongConsistency)(
        'treats a generation from the future as missing, and revokes and changes nothing',
        async () => {
          const s = aSession(now)
          await stores.sessions.create(s)
          expect(await stores.sessions.rotate(s.id, gen(5), now, POLICY)).toEqual({ kind: 'missing' })
          expect(await stores.sessions.find(s.id, now)).toEqual(s)
          expect(await stores.sessions.listForUser(s.userId, now)).toEqual([s])
        },
      )

      it('answers missing for an unknown session', async () => {
        expect(await stores.sessions.rotate(aSession(now).id, gen(0), now, POLICY)).toEqual({ kind: 'missing' })
      })

      it.runIf(caps.strongConsistency)(
        'lets exactly one of 50 parallel rotations win; the rest get grace',
        async () => {
          const s = aSession(now)
          await stores.sessions.create(s)
          const outcomes = await Promise.all(
            Array.from({ length: 50 }, () => stores.sessions.rotate(s.id, gen(0), at(now + SEC), POLICY)),
          )
          expect(outcomes.filter((o) => o.kind === 'rotated')).toHaveLength(1)
          expect(outcomes.filter((o) => o.kind === 'grace')).toHaveLength(49)
          expect((await stores.sessions.find(s.id, at(now + SEC)))?.generation).toBe(1)
        },
      )

      it('revokes one session and tells whose it was; again is a no-op', async () => {
        const s = aSession(now)
        await stores.sessions.create(s)
        expect(await stores.sessions.revoke(s.id)).toBe(s.userId)
        expect(await stores.sessions.find(s.id, now)).toBeNull()
        expect(await stores.sessions.revoke(s.id)).toBeNull()
      })

      it('revokes every session of one user and no other', async () => {
        const a1 = aSession(now)
        const a2 = aSession(now, { userId: a1.userId })
        const b = aSession(now)
        for (const s of [a1, a2, b]) await stores.sessions.create(s)
        expect(await stores.sessions.revokeAllForUser(a1.userId, now)).toBe(2)
        expect(await stores.sessions.find(a1.id, now)).toBeNull()
        expect(await stores.sessions.find(a2.id, now)).toBeNull()
        expect(await stores.sessions.find(b.id, now)).toEqual(b)
        expect(await stores.sessions.revokeAllForUser(a1.userId, now)).toBe(0)
      })

      it('revokes every session of one user but the one kept', async () => {
        const keep = aSession(now)
        const others = [aSession(now, { userId: keep.userId }), aSession(now, { userId: keep.userId })]
        for (const s of [keep, ...others]) await stores.sessions.create(s)
        expect(await stores.sessions.revokeAllForUser(keep.userId, now, keep.id)).toBe(2)
        expect(await stores.sessions.find(keep.id, now)).toEqual(keep)
        for (const s of others) expect(await stores.sessions.find(s.id, now)).toBeNull()
        expect(await stores.sessions.listForUser(keep.userId, now)).toEqual([keep])
      })

      it("keeps at most maxPerUser sessions of a user: a new one revokes that user's oldest, never another's", async () => {
        const cap = { maxPerUser: 3 }
        const userId = aUser().id
        const oldest = aSession(now, { userId })
        const kept = [1, 2, 3].map((i) => aSession(now + i * SEC, { userId }))
        const b1 = aSession(now)
        const b = [b1, aSession(now + SEC, { userId: b1.userId })]
        // A's fourth session comes last: A's oldest goes, B's two (one as old as A's oldest) stay.
        for (const s of [...b, oldest, ...kept]) await stores.sessions.create(s, cap)
        const later = at(now + 4 * SEC)
        expect(await stores.sessions.find(oldest.id, later)).toBeNull()
        expect(await stores.sessions.rotate(oldest.id, gen(0), later, POLICY)).toEqual({ kind: 'missing' })
        for (const s of kept) expect(await stores.sessions.find(s.id, later)).toEqual(s)
        const byId = (x: { id: string }, y: { id: string }) => x.id.localeCompare(y.id)
        expect((await stores.sessions.listForUser(userId, later)).sort(byId)).toEqual([...kept].sort(byId))
        for (const s of b) expect(await stores.sessions.find(s.id, later)).toEqual(s)
        expect((await stores.sessions.listForUser(b1.userId, later)).sort(byId)).toEqual([...b].sort(byId))
        expect(await stores.sessions.revokeAllForUser(userId, now)).toBe(3)
      })

      it('lists the live sessions of a user only', async () => {
        const a1 = aSession(now)
        const a2 = aSession(now, { userId: a1.userId, expiresAt: at(now + 5 * SEC) })
        const b = aSession(now)
        for (const s of [a1, a2, b]) await stores.sessions.create(s)
        const byId = (x: { id: string }, y: { id: string }) => x.id.localeCompare(y.id)
        expect((await stores.sessions.listForUser(a1.userId, now)).sort(byId)).toEqual([a1, a2].sort(byId))
        expect(await stores.sessions.listForUser(a1.userId, at(now + 6 * SEC))).toEqual([a1])
      })
    })

    describe('RateLimiter', () => {
      const rule = { limit: 3, window: seconds(60) }

      it('allows up to the limit in a window, then tells how long to wait', async () => {
        const key = `k:${aSession(now).id}`
        for (let i = 0; i < 3; i++)
          expect(await stores.limiter.hit(key, rule, at(now + i * SEC))).toEqual({ allowed: true })
        const denied = await stores.limiter.hit(key, rule, at(now + 10 * SEC))
        expect(denied.allowed).toBe(false)
        // The window opened at `now` and ends 60 s later; denied 10 s in, it has 50 s (in ms) to go.
        expect(!denied.allowed && denied.retryAfter).toBe(50 * SEC)
        expect(!denied.allowed && retryAfterSeconds(denied.retryAfter)).toBe(50)
      })

      it('opens again once the window has passed', async () => {
        const key = `k:${aSession(now).id}`
        for (let i = 0; i < 4; i++) await stores.limiter.hit(key, rule, now)
        expect(await stores.limiter.hit(key, rule, at(now + 61 * SEC))).toEqual({ allowed: true })
      })

      it('resets a key, and keys do not share counts', async () => {
        const key = `k:${aSession(now).id}`
        const other = `k:${aSession(now).id}`
        for (let i = 0; i < 4; i++) await stores.limiter.hit(key, rule, now)
        expect(await stores.limiter.hit(other, rule, now)).toEqual({ allowed: true })
        await stores.limiter.reset(key)
        expect(await stores.limiter.hit(key, rule, now)).toEqual({ allowed: true })
      })

      it.runIf(caps.strongConsistency)('counts parallel hits exactly', async () => {
        const key = `k:${aSession(now).id}`
        const results = await Promise.all(
          Array.from({ length: 20 }, () => stores.limiter.hit(key, { limit: 10, window: seconds(60) }, now)),
        )
        expect(results.filter((r) => r.allowed)).toHaveLength(10)
      })
    })

    describe('TokenStore', () => {
      const spendAll = ['verify_email', 'change_email', 'reset_password'] as const

      it('spends a token once: the first consume returns it, field for field; the second finds nothing', async () => {
        const t = aToken(aUser().id, 'reset_password', now)
        await stores.tokens.issue(t)
        expect(await stores.tokens.listForUser(t.userId, now)).toEqual([t])
        expect(await stores.tokens.consume(t.userId, t.digest, ['reset_password'], now)).toEqual(t)
        expect(await stores.tokens.consume(t.userId, t.digest, ['reset_password'], now)).toBeNull()
        expect(await stores.tokens.listForUser(t.userId, now)).toEqual([])
      })

      it('finds nothing for a wrong digest, another user or another purpose, and spends nothing', async () => {
        const t = aToken(aUser().id, 'reset_password', now)
        await stores.tokens.issue(t)
        const stranger = aUser().id
        expect(
          await stores.tokens.consume(t.userId, aToken(t.userId, 'reset_password', now).digest, spendAll, now),
        ).toBeNull()
        expect(await stores.tokens.consume(stranger, t.digest, spendAll, now)).toBeNull()
        expect(await stores.tokens.consume(t.userId, t.digest, ['verify_email', 'change_email'], now)).toBeNull()
        expect(await stores.tokens.consume(t.userId, t.digest, ['reset_password'], now)).toEqual(t)
      })

      it('finds nothing once a token has expired', async () => {
        const t = aToken(aUser().id, 'verify_email', now, { expiresAt: at(now + 5 * SEC) })
        await stores.tokens.issue(t)
        expect(await stores.tokens.listForUser(t.userId, at(now + 6 * SEC))).toEqual([])
        expect(await stores.tokens.consume(t.userId, t.digest, ['verify_email'], at(now + 6 * SEC))).toBeNull()
      })

      it('a newer token of a purpose supersedes the older; other purposes stay', async () => {
        const userId = aUser().id
        const older = aToken(userId, 'verify_email', now)
        const reset = aToken(userId, 'reset_password', now)
        const newer = aToken(userId, 'verify_email', now + SEC)
        for (const t of [older, reset, newer]) await stores.tokens.issue(t)
        expect(await stores.tokens.consume(userId, older.digest, ['verify_email'], now)).toBeNull()
        const byPurpose = (x: { purpose: string }, y: { purpose: string }) => x.purpose.localeCompare(y.purpose)
        expect((await stores.tokens.listForUser(userId, now)).sort(byPurpose)).toEqual([reset, newer].sort(byPurpose))
        expect(await stores.tokens.consume(userId, newer.digest, ['verify_email', 'change_email'], now)).toEqual(newer)
        expect(await stores.tokens.consume(userId, reset.digest, ['reset_password'], now)).toEqual(reset)
      })

      it("revokes a user's tokens of some purposes, or all, and no one else's", async () => {
        const userId = aUser().id
        const mine = spendAll.map((p) => aToken(userId, p, now))
        const theirs = aToken(aUser().id, 'reset_password', now)
        for (const t of [...mine, theirs]) await stores.tokens.issue(t)
        await stores.tokens.revokeForUser(userId, ['reset_password'])
        const left = (await stores.tokens.listForUser(userId, now)).map((t) => t.purpose).sort()
        expect(left).toEqual(['change_email', 'verify_email'])
        await stores.tokens.revokeForUser(userId)
        expect(await stores.tokens.listForUser(userId, now)).toEqual([])
        await stores.tokens.revokeForUser(userId)
        expect(await stores.tokens.listForUser(theirs.userId, now)).toEqual([theirs])
      })

      it.runIf(caps.strongConsistency)('lets exactly one of ten racers spend a token', async () => {
        const t = aToken(aUser().id, 'reset_password', now)
        await stores.tokens.issue(t)
        const results = await Promise.all(
          Array.from({ length: 10 }, () => stores.tokens.consume(t.userId, t.digest, ['reset_password'], now)),
        )
        expect(results.filter((r) => r !== null)).toEqual([t])
      })
    })

    describe('StoreHealth', () => {
      it('answers a ping and names its kind', async () => {
        await expect(stores.health.ping()).resolves.toBeUndefined()
        // The adapter's own kind (what /health reports), not merely one of the four the type allows.
        expect(name).toMatch(new RegExp(`^${stores.health.kind}(-cluster)?$`))
      })
    })
  })
}

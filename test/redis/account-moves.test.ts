import { expect, it } from 'vitest'
import { createRedisStores } from '../../src/adapters/stores/redis/index.js'
import { type KeySpace, keySpace } from '../../src/adapters/stores/redis/keys.js'
import { userFields } from '../../src/adapters/stores/redis/records.js'
import { type RunScript, scriptRunner } from '../../src/adapters/stores/redis/scripts.js'
import type { Stores } from '../../src/application/ports.js'
import type { Email } from '../../src/domain/email.js'
import type { UserRecord } from '../../src/domain/user.js'
import { aUser } from '../support/fixtures.js'
import { describeRedis } from '../support/redis-server.js'
import { testPrefix, useSingleRedis } from './fixture.js'

// The crash windows of an address change (src/adapters/stores/redis/account-moves.ts): a mover
// that stops after each step, run here step by step with the store's own scripts, and what
// readers and the next writers make of what it left.

const freshEmail = (): Email => aUser().email

describeRedis('redis account moves', 'any', () => {
  const redis = useSingleRedis()

  interface Fixture {
    readonly stores: Stores
    readonly keys: KeySpace
    readonly run: RunScript
    /** Whether any account hash under the prefix still carries a move's mark. */
    readonly marked: () => Promise<boolean>
  }

  const setup = (): Fixture => {
    const { client } = redis()
    const prefix = testPrefix()
    const keys = keySpace(prefix)
    const marked = async () => {
      const found = await client.keys(`${prefix}email:*`)
      const marks = await Promise.all(found.map((key) => client.hexists(key, 'moveGen')))
      return marks.includes(1)
    }
    return { stores: createRedisStores(client, { prefix }), keys, run: scriptRunner(client), marked }
  }

  /** The steps of a move of `user` to `to` up to `last`, as a mover that stops there leaves them. */
  async function stopAfter(fx: Fixture, last: 'begin' | 'claim' | 'decide', user: UserRecord, to: Email) {
    const { run, keys } = fx
    const gen = Number((await redis().client.get(keys.moves(user.id))) ?? 0)
    expect(await run('beginMove', keys.user(user.email), [user.id, to, gen])).toEqual(['ok', expect.any(Array)])
    if (last === 'begin') return
    const copy = userFields({ ...user, email: to, emailVerified: true })
    expect(await run('claimEmail', keys.user(to), [user.id, user.email, gen, ...copy])).toBe('claimed')
    if (last === 'claim') return
    await run('decideMove', [keys.emailOf(user.id), keys.moves(user.id)], [user.email, to, gen, 'commit'])
  }

  it('reads an account written before emailVerified and roles as unverified with no roles, and moves it', async () => {
    const fx = setup()
    const { client } = redis()
    const user = aUser({ name: 'Ada' })
    const { emailVerified: _, roles: __, ...before } = user
    await client.hset(fx.keys.user(user.email), { ...before, createdAt: String(user.createdAt) })
    await client.set(fx.keys.emailOf(user.id), user.email)
    expect(await fx.stores.users.findById(user.id)).toEqual({ ...user, emailVerified: false, roles: [] })
    expect(await fx.stores.users.findByEmail(user.email)).toEqual(user)
    expect(await fx.stores.users.update(user.id, { roles: ['support'] })).toEqual({ ...user, roles: ['support'] })
    const moved = freshEmail()
    expect(await fx.stores.users.changeEmail(user.id, moved)).toEqual({
      ...user,
      email: moved,
      emailVerified: true,
      roles: ['support'],
    })
  })

  it('stopped after begin: the account stays at the old address, and its next write carries the move through', async () => {
    const fx = setup()
    const user = aUser()
    await fx.stores.users.create(user)
    const to = freshEmail()
    await stopAfter(fx, 'begin', user, to)
    expect(await fx.stores.users.findByEmail(user.email)).toEqual(user)
    expect(await fx.stores.users.findById(user.id)).toEqual(user)
    expect(await fx.stores.users.findByEmail(to)).toBeNull()

    const renamed = { ...user, email: to, emailVerified: true, name: 'Ada' }
    expect(await fx.stores.users.update(user.id, { name: 'Ada' })).toEqual(renamed)
    expect(await fx.stores.users.findByEmail(user.email)).toBeNull()
    expect(await fx.stores.users.findByEmail(to)).toEqual(renamed)
    expect(await fx.marked()).toBe(false)
    expect(await fx.stores.users.create(aUser({ email: user.email }))).toBe('created')
  })

  it('stopped after begin, the address taken meanwhile: the next write aborts the move', async () => {
    const fx = setup()
    const user = aUser()
    await fx.stores.users.create(user)
    const to = freshEmail()
    await stopAfter(fx, 'begin', user, to)
    const other = aUser({ email: to })
    expect(await fx.stores.users.create(other)).toBe('created')

    expect(await fx.stores.users.update(user.id, { name: 'Ada' })).toEqual({ ...user, name: 'Ada' })
    expect(await fx.stores.users.findByEmail(to)).toEqual(other)
    expect(await fx.marked()).toBe(false)
  })

  it('stopped after the claim: the new address is held, a registration of it refused and the move carried through', async () => {
    const fx = setup()
    const user = aUser()
    await fx.stores.users.create(user)
    const to = freshEmail()
    await stopAfter(fx, 'claim', user, to)
    expect(await fx.stores.users.findByEmail(to)).toBeNull()
    expect(await fx.stores.users.findById(user.id)).toEqual(user)

    expect(await fx.stores.users.create(aUser({ email: to }))).toBe('email_taken')
    const moved = { ...user, email: to, emailVerified: true }
    expect(await fx.stores.users.findById(user.id)).toEqual(moved)
    expect(await fx.stores.users.findByEmail(user.email)).toBeNull()
    expect(await fx.marked()).toBe(false)
  })

  it('stopped after the decision: every reader finds the new address only; a registration of the old one succeeds', async () => {
    const fx = setup()
    const user = aUser()
    await fx.stores.users.create(user)
    const to = freshEmail()
    await stopAfter(fx, 'decide', user, to)
    const moved = { ...user, email: to, emailVerified: true }
    expect(await fx.stores.users.findByEmail(user.email)).toBeNull()
    expect(await fx.stores.users.findByEmail(to)).toEqual(moved)
    expect(await fx.stores.users.findById(user.id)).toEqual(moved)

    expect(await fx.stores.users.create(aUser({ email: user.email }))).toBe('created')
    expect(await fx.stores.users.findById(user.id)).toEqual(moved)
    expect(await fx.marked()).toBe(false)
  })

  it('stopped after the decision, then moved again: nothing is left at either earlier address', async () => {
    const fx = setup()
    const user = aUser()
    await fx.stores.users.create(user)
    const to = freshEmail()
    await stopAfter(fx, 'decide', user, to)
    const third = freshEmail()
    expect(await fx.stores.users.changeEmail(user.id, third)).toEqual({ ...user, email: third, emailVerified: true })
    expect(await fx.stores.users.findByEmail(user.email)).toBeNull()
    expect(await fx.stores.users.findByEmail(to)).toBeNull()
    expect(await fx.marked()).toBe(false)
    expect(await fx.stores.users.create(aUser({ email: to }))).toBe('created')
  })

  it('deleting an account stopped mid-move releases both addresses', async () => {
    const fx = setup()
    const user = aUser()
    await fx.stores.users.create(user)
    const to = freshEmail()
    await stopAfter(fx, 'claim', user, to)
    expect(await fx.stores.users.delete(user.id)).toBe(true)
    expect(await fx.stores.users.findById(user.id)).toBeNull()
    expect(await fx.stores.users.delete(user.id)).toBe(false)
    expect(await fx.stores.users.create(aUser({ email: user.email }))).toBe('created')
    expect(await fx.stores.users.create(aUser({ email: to }))).toBe('created')
  })

  it('ignores a claim left behind for a move decided long ago; a registration frees it, a later move replaces it', async () => {
    const fx = setup()
    const user = aUser()
    await fx.stores.users.create(user)
    const first = freshEmail()
    await fx.stores.users.changeEmail(user.id, first)
    // A settler of that first move (count 0) that claimed two addresses late and stopped.
    const [freed, replaced] = [freshEmail(), freshEmail()]
    for (const email of [freed, replaced]) {
      const copy = userFields({ ...user, email, emailVerified: true })
      await fx.run('claimEmail', fx.keys.user(email), [user.id, user.email, 0, ...copy])
      expect(await fx.stores.users.findByEmail(email)).toBeNull()
    }

    expect(await fx.stores.users.create(aUser({ email: freed }))).toBe('created')
    const current = await fx.stores.users.update(user.id, { name: 'Now' })
    expect(await fx.stores.users.changeEmail(user.id, replaced)).toEqual({ ...current, email: replaced })
    expect(await fx.stores.users.findByEmail(first)).toBeNull()
    expect(await fx.marked()).toBe(false)
  })

  it('loses no update that races an address change', async () => {
    const fx = setup()
    for (let round = 0; round < 20; round++) {
      const user = aUser()
      await fx.stores.users.create(user)
      const to = freshEmail()
      const [moved] = await Promise.all([
        fx.stores.users.changeEmail(user.id, to),
        fx.stores.users.update(user.id, { name: 'Ada' }),
        fx.stores.users.update(user.id, { roles: ['admin'] }),
        fx.stores.users.update(user.id, { passwordHash: '$scrypt$new' }),
      ])
      const expected = {
        ...user,
        email: to,
        emailVerified: true,
        name: 'Ada',
        roles: ['admin'],
        passwordHash: '$scrypt$new',
      }
      expect(moved).toMatchObject({ email: to, emailVerified: true })
      expect(await fx.stores.users.findById(user.id)).toEqual(expected)
      expect(await fx.stores.users.findByEmail(to)).toEqual(expected)
      expect(await fx.stores.users.findByEmail(user.email)).toBeNull()
    }
    expect(await fx.marked()).toBe(false)
  })

  it('ends two racing changes of one account at one of the two addresses, the others free', async () => {
    const fx = setup()
    for (let round = 0; round < 20; round++) {
      const user = aUser()
      await fx.stores.users.create(user)
      const targets = [freshEmail(), freshEmail()]
      await Promise.all(targets.map((email) => fx.stores.users.changeEmail(user.id, email)))
      const found = await fx.stores.users.findById(user.id)
      expect(targets).toContain(found?.email)
      for (const email of [user.email, ...targets].filter((e) => e !== found?.email)) {
        expect(await fx.stores.users.findByEmail(email)).toBeNull()
        expect(await fx.stores.users.create(aUser({ email }))).toBe('created')
      }
    }
    expect(await fx.marked()).toBe(false)
  })
})

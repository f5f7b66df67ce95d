import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createDurableObjectStores } from '../../src/adapters/stores/durable-object/index.js'
import { createKvStores } from '../../src/adapters/stores/kv/index.js'
import type { Stores } from '../../src/application/ports.js'
import { at, aUser } from '../support/fixtures.js'
import { countingKv, countingNamespace } from './support/counting.js'
import { kvOptions } from './support/kv-options.js'

/**
 * docs/security.md: login timing must not reveal which accounts exist. Past the KDF (which runs for an
 * unknown email too), what a login costs is the store's `findByEmail`: it must make the same calls,
 * in number and kind, for a known and an unknown email. One call each, so the cheaper case is
 * the only case.
 */
async function callsOfFindByEmail(stores: Stores, calls: string[]) {
  const user = aUser({ name: 'Ada' })
  await stores.users.create(user)
  calls.length = 0
  expect(await stores.users.findByEmail(user.email)).toEqual(user)
  const known = calls.splice(0)
  expect(await stores.users.findByEmail(aUser().email)).toBeNull()
  const unknown = calls.splice(0)
  return { known, unknown }
}

describe('findByEmail costs the same for a known and an unknown email', () => {
  it('on the Durable Object store: one call to the email object either way', async () => {
    const prefix = `lt-${crypto.randomUUID()}/`
    const { ns, calls } = countingNamespace(prefix)
    const { known, unknown } = await callsOfFindByEmail(createDurableObjectStores(ns, { prefix }), calls)
    expect(unknown).toEqual(known)
    expect(known).toHaveLength(1)
    expect(known[0]).toMatch(/^email\./)
  })

  it('on the KV store: one read of the email key either way', async () => {
    const prefix = `lt-${crypto.randomUUID()}/`
    const { kv, calls } = countingKv(prefix)
    const stores = createKvStores(kv, kvOptions(prefix))
    const { known, unknown } = await callsOfFindByEmail(stores, calls)
    expect(unknown).toEqual(known)
    expect(known).toEqual(['get email'])
  })

  it('on the Durable Object store, also for an account whose creator died before confirming it', async () => {
    const prefix = `lt-${crypto.randomUUID()}/`
    const { ns, calls } = countingNamespace(prefix)
    const stores = createDurableObjectStores(ns, { prefix })
    const user = aUser()
    const now = at(Date.now())
    await ns.get(ns.idFromName(`${prefix}user:${user.id}`)).userPutPending(user, now)
    await ns.get(ns.idFromName(`${prefix}email:${user.email}`)).emailClaim(user, now)
    calls.length = 0
    expect(await stores.users.findByEmail(user.email)).toEqual(user)
    expect(calls).toHaveLength(1)
  })
})

describe('the copy of the account that answers findByEmail', () => {
  it('follows updates on the Durable Object store, racing ones included', async () => {
    const stores = createDurableObjectStores(env.AUTH_STORE, { prefix: `lt-${crypto.randomUUID()}/` })
    const user = aUser()
    await stores.users.create(user)
    await Promise.all([
      stores.users.update(user.id, { name: 'A' }),
      stores.users.update(user.id, { name: 'B' }),
      stores.users.update(user.id, { passwordHash: '$scrypt$rehashed' }),
      stores.users.update(user.id, { name: 'C' }),
    ])
    const byId = await stores.users.findById(user.id)
    expect(byId?.passwordHash).toBe('$scrypt$rehashed')
    expect(await stores.users.findByEmail(user.email)).toEqual(byId)
  })

  it('never goes back to an older version when updates reach the email object out of order', async () => {
    const prefix = `lt-${crypto.randomUUID()}/`
    const stores = createDurableObjectStores(env.AUTH_STORE, { prefix })
    const user = aUser()
    await stores.users.create(user)
    const claim = env.AUTH_STORE.get(env.AUTH_STORE.idFromName(`${prefix}email:${user.email}`))
    await claim.emailSync({ ...user, name: 'second' }, 2)
    await claim.emailSync({ ...user, name: 'first' }, 1)
    expect((await stores.users.findByEmail(user.email))?.name).toBe('second')
  })

  it('never copies an account over an email that another account holds', async () => {
    const prefix = `lt-${crypto.randomUUID()}/`
    const stores = createDurableObjectStores(env.AUTH_STORE, { prefix })
    const holder = aUser()
    await stores.users.create(holder)
    const claim = env.AUTH_STORE.get(env.AUTH_STORE.idFromName(`${prefix}email:${holder.email}`))
    await claim.emailSync({ ...aUser({ email: holder.email }), passwordHash: '$scrypt$intruder' }, 9)
    expect(await stores.users.findByEmail(holder.email)).toEqual(holder)
  })

  it('never confirms a pending account whose email another account holds', async () => {
    const prefix = `lt-${crypto.randomUUID()}/`
    const stores = createDurableObjectStores(env.AUTH_STORE, { prefix })
    const holder = aUser()
    await stores.users.create(holder)
    const loser = aUser({ email: holder.email }) // its creator died before discarding it
    await env.AUTH_STORE.get(env.AUTH_STORE.idFromName(`${prefix}user:${loser.id}`)).userPutPending(loser, Date.now())
    expect(await stores.users.findById(loser.id)).toBeNull()
    expect(await stores.users.update(loser.id, { name: 'x' })).toBeNull()
    expect(await stores.users.findByEmail(holder.email)).toEqual(holder)
  })

  it('follows updates on the KV store', async () => {
    const prefix = `lt-${crypto.randomUUID()}/`
    const stores = createKvStores(env.AUTH_KV, kvOptions(prefix))
    const user = aUser()
    await stores.users.create(user)
    const updated = await stores.users.update(user.id, { name: 'Grace', passwordHash: '$scrypt$rehashed' })
    expect(updated).toEqual({ ...user, name: 'Grace', passwordHash: '$scrypt$rehashed' })
    expect(await stores.users.findByEmail(user.email)).toEqual(updated)
  })

  it('on the KV store, never copies an account over an email that another account holds', async () => {
    const prefix = `lt-${crypto.randomUUID()}/`
    const stores = createKvStores(env.AUTH_KV, kvOptions(prefix))
    const holder = aUser()
    await stores.users.create(holder)
    // The loser of a registration race KV could not arbitrate: its record exists, the email is not its.
    const loser = aUser({ email: holder.email })
    await env.AUTH_KV.put(`${prefix}user:${loser.id}`, JSON.stringify(loser))
    expect(await stores.users.update(loser.id, { name: 'loser' })).toEqual({ ...loser, name: 'loser' })
    expect(await stores.users.findByEmail(holder.email)).toEqual(holder)
  })
})

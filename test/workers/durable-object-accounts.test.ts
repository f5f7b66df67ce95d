import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createDurableObjectStores } from '../../src/adapters/stores/durable-object/index.js'
import type { UserRecord } from '../../src/domain/user.js'
import { SEC } from '../support/constants.js'
import { aSession, aToken, at, aUser } from '../support/fixtures.js'

/**
 * The Durable Object store's account lifecycle beyond the shared contract: tables from before
 * the new columns, an address change racing registrations, what a caller that stops midway
 * through a change or a deletion leaves (src/adapters/stores/durable-object/users.ts), and tokens.
 */

const objectNamed = (name: string) => env.AUTH_STORE.get(env.AUTH_STORE.idFromName(name))
const fresh = () => {
  const prefix = `acc-${crypto.randomUUID()}/`
  return { prefix, stores: createDurableObjectStores(env.AUTH_STORE, { prefix }) }
}
const rows = (stub: ReturnType<typeof objectNamed>, query: string) =>
  runInDurableObject(stub, (_, state) => state.storage.sql.exec(query).toArray())

/**
 * One account and its claim in tables of an older schema, as that version wrote them: each
 * `[CREATE TABLE, INSERT]`, the account's insert bound to the id, email, name, hash and creation
 * time, the claim's to the email, id, claim time, name, hash and creation time.
 */
async function seedOldSchema(
  prefix: string,
  user: UserRecord,
  sql: { readonly account: readonly [string, string]; readonly claim: readonly [string, string] },
): Promise<void> {
  await runInDurableObject(objectNamed(`${prefix}user:${user.id}`), (_, state) => {
    state.storage.sql.exec(sql.account[0])
    state.storage.sql.exec(sql.account[1], user.id, user.email, user.name, user.passwordHash, user.createdAt)
  })
  await runInDurableObject(objectNamed(`${prefix}email:${user.email}`), (_, state) => {
    state.storage.sql.exec(sql.claim[0])
    state.storage.sql.exec(sql.claim[1], user.email, user.id, Date.now(), user.name, user.passwordHash, user.createdAt)
  })
}

describe('durable-object store: tables from before emailVerified and roles', () => {
  it('reads an old account and its claim as not verified with no roles, and then stores both', async () => {
    const { prefix, stores } = fresh()
    const user = aUser({ name: 'Old' })
    // The schema as it shipped before the columns existed, with one confirmed account in it.
    await seedOldSchema(prefix, user, {
      account: [
        `CREATE TABLE account (
        id TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT, password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL, pending_since INTEGER, version INTEGER NOT NULL DEFAULT 0)`,
        'INSERT INTO account (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)',
      ],
      claim: [
        `CREATE TABLE claim (
        email TEXT PRIMARY KEY, user_id TEXT NOT NULL, claimed_at INTEGER NOT NULL,
        name TEXT, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL, version INTEGER NOT NULL)`,
        'INSERT INTO claim VALUES (?, ?, ?, ?, ?, ?, 0)',
      ],
    })
    const cold = createDurableObjectStores(env.AUTH_STORE, { prefix }) // the objects are new instances too
    expect(await cold.users.findById(user.id)).toEqual({ ...user, emailVerified: false, roles: [] })
    expect(await cold.users.findByEmail(user.email)).toEqual({ ...user, emailVerified: false, roles: [] })
    const granted = { ...user, emailVerified: true, roles: ['admin'] }
    expect(await stores.users.update(user.id, { emailVerified: true, roles: ['admin'] })).toEqual(granted)
    expect(await cold.users.findById(user.id)).toEqual(granted)
    expect(await cold.users.findByEmail(user.email)).toEqual(granted)
    expect(await stores.users.create(aUser({ email: user.email }))).toBe('email_taken')
  })
})

describe('durable-object store: tables from before disabled', () => {
  it('reads an old account and its claim as enabled, then keeps the flag in both', async () => {
    const { prefix, stores } = fresh()
    const user = aUser({ name: 'Old', emailVerified: true, roles: ['admin'] })
    // The schema as it shipped with emailVerified and roles, before `disabled`.
    await seedOldSchema(prefix, user, {
      account: [
        `CREATE TABLE account (
        id TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT, password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL, pending_since INTEGER, version INTEGER NOT NULL DEFAULT 0,
        email_verified INTEGER NOT NULL DEFAULT 0, roles TEXT NOT NULL DEFAULT '[]', moved_from TEXT)`,
        `INSERT INTO account (id, email, name, password_hash, created_at, email_verified, roles)
         VALUES (?, ?, ?, ?, ?, 1, '["admin"]')`,
      ],
      claim: [
        `CREATE TABLE claim (
        email TEXT PRIMARY KEY, user_id TEXT NOT NULL, claimed_at INTEGER NOT NULL,
        name TEXT, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL, version INTEGER NOT NULL,
        email_verified INTEGER NOT NULL DEFAULT 0, roles TEXT NOT NULL DEFAULT '[]', moving_since INTEGER)`,
        `INSERT INTO claim (email, user_id, claimed_at, name, password_hash, created_at, version, email_verified,
           roles) VALUES (?, ?, ?, ?, ?, ?, 0, 1, '["admin"]')`,
      ],
    })
    const cold = createDurableObjectStores(env.AUTH_STORE, { prefix })
    expect(await cold.users.findById(user.id)).toEqual(user)
    expect(await cold.users.findByEmail(user.email)).toEqual(user)
    const disabled = { ...user, disabled: true }
    expect(await stores.users.update(user.id, { disabled: true })).toEqual(disabled)
    expect(await cold.users.findById(user.id)).toEqual(disabled)
    expect(await cold.users.findByEmail(user.email)).toEqual(disabled)
  })
})

describe('durable-object store: changing the address', () => {
  it('lets exactly one of an address change and nine registrations take the address', async () => {
    const { prefix, stores } = fresh()
    const user = aUser()
    await stores.users.create(user)
    const email = aUser().email
    const racers = Array.from({ length: 10 }, () => createDurableObjectStores(env.AUTH_STORE, { prefix }))
    const newcomers = racers.slice(1).map(() => aUser({ email }))
    const [changed, ...created] = await Promise.all([
      racers[0]?.users.changeEmail(user.id, email),
      ...newcomers.map((u, i) => racers[i + 1]?.users.create(u)),
    ])
    const changeWon = changed !== 'email_taken' && changed !== null
    expect([changeWon, ...created.map((r) => r === 'created')].filter(Boolean)).toHaveLength(1)
    const holder = await stores.users.findByEmail(email)
    if (changeWon) {
      expect(holder).toEqual({ ...user, email, emailVerified: true })
      expect(await stores.users.findByEmail(user.email)).toBeNull()
    } else {
      expect(holder?.id).toBe(newcomers[created.indexOf('created')]?.id)
      expect(await stores.users.findById(user.id)).toEqual(user)
      expect(await stores.users.findByEmail(user.email)).toEqual(user)
    }
  })

  it('stopped after claiming: the address is reserved, found by no one, and a retry completes', async () => {
    const { prefix, stores } = fresh()
    const user = aUser()
    await stores.users.create(user)
    const email = aUser().email
    const moving: UserRecord = { ...user, email, emailVerified: true }
    expect(await objectNamed(`${prefix}email:${email}`).emailClaim(moving, Date.now(), true)).toBe('created')
    expect(await stores.users.findByEmail(email)).toBeNull()
    expect(await stores.users.create(aUser({ email }))).toBe('email_taken')
    expect(await stores.users.findByEmail(user.email)).toEqual(user)
    expect(await stores.users.findById(user.id)).toEqual(user)
    expect(await stores.users.changeEmail(user.id, email)).toEqual(moving)
    expect(await stores.users.findByEmail(email)).toEqual(moving)
    expect(await stores.users.findByEmail(user.email)).toBeNull()
  })

  it('stopped after moving the account: the next read finishes the change', async () => {
    const { prefix, stores } = fresh()
    const user = aUser()
    await stores.users.create(user)
    const email = aUser().email
    const moved: UserRecord = { ...user, email, emailVerified: true }
    await objectNamed(`${prefix}email:${email}`).emailClaim(moved, Date.now(), true)
    await objectNamed(`${prefix}user:${user.id}`).userMoveEmail(user.id, email)
    expect(await stores.users.findByEmail(email)).toBeNull() // not confirmed yet
    expect(await stores.users.findById(user.id)).toEqual(moved) // ...which this read does
    expect(await stores.users.findByEmail(email)).toEqual(moved)
    expect(await stores.users.findByEmail(user.email)).toBeNull()
    expect(await rows(objectNamed(`${prefix}user:${user.id}`), 'SELECT moved_from FROM account')).toEqual([
      { moved_from: null },
    ])
    expect(await stores.users.create(aUser({ email: user.email }))).toBe('created')
    expect(await stores.users.findById(user.id)).toEqual(moved)
  })

  it('stopped after moving the account: retrying the change completes it too', async () => {
    const { prefix, stores } = fresh()
    const user = aUser()
    await stores.users.create(user)
    const email = aUser().email
    const moved: UserRecord = { ...user, email, emailVerified: true }
    await objectNamed(`${prefix}email:${email}`).emailClaim(moved, Date.now(), true)
    await objectNamed(`${prefix}user:${user.id}`).userMoveEmail(user.id, email)
    expect(await stores.users.changeEmail(user.id, email)).toEqual(moved)
    expect(await stores.users.findByEmail(email)).toEqual(moved)
    expect(await stores.users.findByEmail(user.email)).toBeNull()
  })

  it('keeps the copy at the new address following updates, and the old address never gets them', async () => {
    const { stores } = fresh()
    const user = aUser()
    await stores.users.create(user)
    const email = aUser().email
    await stores.users.changeEmail(user.id, email)
    const newcomer = aUser({ email: user.email })
    expect(await stores.users.create(newcomer)).toBe('created')
    const renamed = await stores.users.update(user.id, { name: 'Moved', passwordHash: '$scrypt$changed' })
    expect(await stores.users.findByEmail(email)).toEqual(renamed)
    expect(await stores.users.findByEmail(user.email)).toEqual(newcomer)
  })

  it('moves twice in a row and back again, releasing each address it leaves', async () => {
    const { stores } = fresh()
    const user = aUser()
    await stores.users.create(user)
    const [second, third] = [aUser().email, aUser().email]
    await stores.users.changeEmail(user.id, second)
    await stores.users.changeEmail(user.id, third)
    expect(await stores.users.findByEmail(second)).toBeNull()
    const back = await stores.users.changeEmail(user.id, user.email)
    expect(back).toEqual({ ...user, emailVerified: true })
    for (const e of [second, third]) expect(await stores.users.findByEmail(e)).toBeNull()
    expect(await stores.users.findByEmail(user.email)).toEqual(back)
  })
})

describe('durable-object store: deleting an account', () => {
  it('deletes the account with its sessions, pointers and tokens, and the alarm deletes the object', async () => {
    const { prefix, stores } = fresh()
    const user = aUser()
    await stores.users.create(user)
    const now = Date.now()
    const s = aSession(now, { userId: user.id })
    await stores.sessions.create(s)
    await stores.tokens.issue(aToken(user.id, 'verify_email', now))
    expect(await stores.users.delete(user.id)).toBe(true)
    expect(await stores.sessions.find(s.id, at(now))).toBeNull()
    expect(await stores.tokens.listForUser(user.id, at(now))).toEqual([])
    expect(await rows(objectNamed(`${prefix}sid:${s.id}`), 'SELECT * FROM pointer')).toEqual([])
    const home = objectNamed(`${prefix}user:${user.id}`)
    await runDurableObjectAlarm(home) // may have run already: it was due at once
    const tables = await rows(
      home,
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'",
    )
    expect(tables).toEqual([])
    expect(await stores.users.delete(user.id)).toBe(false)
  })

  it('stopped after releasing the address: found by id only, and a retry completes', async () => {
    const { prefix, stores } = fresh()
    const user = aUser()
    await stores.users.create(user)
    await objectNamed(`${prefix}email:${user.email}`).emailRelease(user.email, user.id)
    expect(await stores.users.findByEmail(user.email)).toBeNull()
    expect(await stores.users.findById(user.id)).toEqual(user)
    expect(await stores.users.delete(user.id)).toBe(true)
    expect(await stores.users.findById(user.id)).toBeNull()
  })

  it('releases the addresses of a change it interrupts', async () => {
    const { prefix, stores } = fresh()
    const user = aUser()
    await stores.users.create(user)
    const email = aUser().email
    await objectNamed(`${prefix}email:${email}`).emailClaim({ ...user, email }, Date.now(), true)
    await objectNamed(`${prefix}user:${user.id}`).userMoveEmail(user.id, email)
    expect(await stores.users.delete(user.id)).toBe(true)
    expect(await stores.users.create(aUser({ email }))).toBe('created')
    expect(await stores.users.create(aUser({ email: user.email }))).toBe('created')
  })

  it('a change that stopped after claiming, of an account deleted since, leaves the address reserved', async () => {
    const { prefix, stores } = fresh()
    const user = aUser()
    await stores.users.create(user)
    const email = aUser().email
    // The change claimed the address and stopped there; then the account was deleted.
    await objectNamed(`${prefix}email:${email}`).emailClaim({ ...user, email }, Date.now(), true)
    await stores.users.delete(user.id)
    expect(await stores.users.changeEmail(user.id, email)).toBeNull()
    expect(await stores.users.create(aUser({ email }))).toBe('email_taken') // the known leftover: see users.ts
    expect(await stores.users.findByEmail(email)).toBeNull()
  })
})

describe('durable-object store: account tokens and sessions kept', () => {
  it('lets exactly one of ten cold adapters spend a token', async () => {
    const { prefix, stores } = fresh()
    const now = Date.now()
    const t = aToken(aUser().id, 'change_email', now)
    await stores.tokens.issue(t)
    const racers = Array.from({ length: 10 }, () => createDurableObjectStores(env.AUTH_STORE, { prefix }))
    const results = await Promise.all(
      racers.map((r) => r.tokens.consume(t.userId, t.digest, ['change_email'], at(now))),
    )
    expect(results.filter((r) => r !== null)).toEqual([t])
  })

  it('sweeps expired tokens on the alarm, and an object left with none is deleted', async () => {
    const { prefix, stores } = fresh()
    const now = Date.now()
    const userId = aUser().id
    await stores.tokens.issue(aToken(userId, 'reset_password', now - 60 * SEC, { expiresAt: at(now - SEC) }))
    const home = objectNamed(`${prefix}user:${userId}`)
    await runDurableObjectAlarm(home)
    expect(await rows(home, "SELECT name FROM sqlite_master WHERE name = 'token'")).toEqual([])
    const live = aToken(userId, 'verify_email', now)
    await stores.tokens.issue(live)
    await runDurableObjectAlarm(home)
    expect(await stores.tokens.listForUser(userId, at(now))).toEqual([live])
    expect(await runInDurableObject(home, (_, state) => state.storage.getAlarm())).toBe(live.expiresAt)
  })

  it("revoking all but one session keeps that session's pointer", async () => {
    const { prefix, stores } = fresh()
    const now = Date.now()
    const keep = aSession(now)
    const other = aSession(now, { userId: keep.userId })
    for (const s of [keep, other]) await stores.sessions.create(s)
    expect(await stores.sessions.revokeAllForUser(keep.userId, at(now), keep.id)).toBe(1)
    expect(await rows(objectNamed(`${prefix}sid:${keep.id}`), 'SELECT user_id FROM pointer')).toEqual([
      { user_id: keep.userId },
    ])
    expect(await rows(objectNamed(`${prefix}sid:${other.id}`), 'SELECT user_id FROM pointer')).toEqual([])
    const cold = createDurableObjectStores(env.AUTH_STORE, { prefix })
    expect(await cold.sessions.find(keep.id, at(now))).toEqual(keep)
  })
})

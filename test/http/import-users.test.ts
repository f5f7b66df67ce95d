import { argon2id } from '@noble/hashes/argon2.js'
import bcrypt from 'bcryptjs'
import { describe, expect, it } from 'vitest'
import type { Email } from '../../src/domain/email.js'
import type { UserId } from '../../src/domain/user.js'
import { importUsers } from '../../src/index.js'
import { type TestApp, TestClient } from '../support/app-harness.js'
import { bodyOf, expectProblem, PASSWORD, post, setup } from './helpers.js'

/**
 * Accounts moved in from another system (`importUsers`, the package's export) with the hashes they
 * had there, on every store: they log in, and their first login leaves scrypt in the store. The
 * hashes are made here, with the libraries the hasher verifies with, at low cost; the reference
 * vectors are in test/unit/legacy-hashes.test.ts.
 */

const b64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/=+$/, '')
const salt = crypto.getRandomValues(new Uint8Array(16))
const argon2idOf = (password: string, m = 256, t = 2, p = 1): string =>
  `$argon2id$v=19$m=${m},t=${t},p=${p}$${b64(salt)}$${b64(argon2id(password, salt, { m, t, p, dkLen: 32 }))}`
// One bcrypt hash under its three prefixes: for passwords this short the three compute alike.
const bcryptB = bcrypt.hashSync(PASSWORD, 4)
const bcryptOf = (prefix: '2a' | '2b' | '2y'): string => `$${prefix}${bcryptB.slice(3)}`

const line = (record: Record<string, unknown>): string => JSON.stringify(record)
const login = (t: TestApp, email: string, password = PASSWORD) =>
  new TestClient(t.app).request('/login', post({ email, password }))
const storedHash = async (t: TestApp, email: string) => (await t.stores.users.findByEmail(email as Email))?.passwordHash

describe('importUsers, then POST /login', () => {
  it('logs in with bcrypt ($2a$, $2b$, $2y$) and argon2id hashes, rehashing each to scrypt on the first login', async () => {
    const t = await setup()
    const accounts: [string, string][] = [
      ['a@example.com', bcryptOf('2a')],
      ['b@example.com', bcryptOf('2b')],
      ['y@example.com', bcryptOf('2y')],
      ['argon@example.com', argon2idOf(PASSWORD)],
    ]
    const report = await importUsers(
      t.stores,
      accounts.map(([email, passwordHash]) => line({ email, passwordHash })),
      { clock: t.clock },
    )
    expect(report).toEqual({ imported: 4, skipped: [] })

    for (const [email, legacy] of accounts) {
      expect(await storedHash(t, email)).toBe(legacy)
      await expectProblem(await login(t, email, `${PASSWORD}!`), 401, 'invalid_credentials')
      expect(await storedHash(t, email), 'a failed login leaves the hash').toBe(legacy)
      expect((await login(t, email)).status, email).toBe(200)
      expect(await storedHash(t, email)).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/)
      expect((await login(t, email)).status, `${email} again, now on scrypt`).toBe(200)
      await expectProblem(await login(t, email, `${PASSWORD}!`), 401, 'invalid_credentials')
    }
  })

  it('keeps the fields a line gives, and gives what it leaves out', async () => {
    const t = await setup()
    const created = '2019-05-06T07:08:09.250+02:00'
    const jsonl = [
      line({
        email: ' Ada@Example.COM ',
        passwordHash: bcryptOf('2y'),
        name: 'Ada Lovelace',
        emailVerified: true,
        roles: ['admin', 'billing:read', 'admin'],
        createdAt: created,
      }),
      line({ email: 'bob@example.com', passwordHash: argon2idOf(PASSWORD) }),
    ].join('\r\n')
    expect(await importUsers(t.stores, jsonl, { clock: t.clock })).toEqual({ imported: 2, skipped: [] })

    const ada = await bodyOf(await login(t, 'ada@example.com'))
    expect(ada.user).toMatchObject({
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      emailVerified: true,
      roles: ['admin', 'billing:read'],
      createdAt: new Date(Date.parse(created)).toISOString(),
    })
    const bob = await bodyOf(await login(t, 'bob@example.com'))
    expect(bob.user).toMatchObject({ name: null, emailVerified: false, roles: [] })
    expect((bob.user as { createdAt: string }).createdAt).toBe(new Date(t.clock.now()).toISOString())
    expect((ada.user as { id: string }).id).not.toBe((bob.user as { id: string }).id)
  })

  it('refuses at import a hash whose cost is beyond the bounds, or that it cannot verify', async () => {
    const t = await setup()
    const b = bcryptB.slice(7) // the salt and hash after `$2b$04$`
    const s = b64(salt)
    const h = 'A'.repeat(43)
    const refused = [
      `$2b$13$${b}`, // bcrypt above cost 12
      `$2b$14$${b}`,
      `$2b$03$${b}`, // below bcrypt's least
      `$2x$04$${b}`, // crypt_blowfish's buggy variant
      `$argon2id$v=19$m=131072,t=1,p=1$${s}$${h}`, // 128 MiB
      `$argon2id$v=19$m=65536,t=4,p=1$${s}$${h}`, // m·t above 64 MiB·passes
      `$argon2id$v=19$m=65536,t=3,p=4$${s}$${h}`, // RFC 9106's second setting, now beyond it
      `$argon2id$v=19$m=32768,t=3,p=1$${s}$${h}`,
      `$argon2id$v=19$m=4096,t=11,p=1$${s}$${h}`, // too many passes
      `$argon2id$v=19$m=4096,t=1,p=17$${s}$${h}`, // too many lanes
      `$argon2id$v=16$m=4096,t=1,p=1$${s}$${h}`, // the old version
      `$argon2i$v=19$m=4096,t=1,p=1$${s}$${h}`, // not argon2id
      `$scrypt$ln=30,r=8,p=1$${s}$${h}`, // scrypt beyond the Worker limits
      '5f4dcc3b5aa765d61d8327deb882cf99', // MD5
      PASSWORD, // no hash at all
    ]
    const report = await importUsers(
      t.stores,
      refused.map((passwordHash, i) => line({ email: `u${i}@example.com`, passwordHash })),
    )
    expect(report.imported).toBe(0)
    expect(report.skipped.map((s) => s.line)).toEqual(refused.map((_, i) => i + 1))
    for (const s of report.skipped) expect(s.reason).toMatch(/^passwordHash is not a supported hash/)
    for (let i = 0; i < refused.length; i++)
      expect(await t.stores.users.findByEmail(`u${i}@example.com` as Email)).toBeNull()
    // The reasons repeat nothing of the lines.
    const text = JSON.stringify(report)
    for (const hash of refused) expect(text).not.toContain(hash.slice(-20))
  })

  it('fails a login against a legacy row tampered beyond the bounds with 401, without running it', async () => {
    const t = await setup()
    await importUsers(t.stores, [line({ email: 'ada@example.com', passwordHash: bcryptOf('2b') })])
    const id = (await t.stores.users.findByEmail('ada@example.com' as Email))?.id as UserId
    // bcrypt cost 31 would run for days; argon2id at 4 GiB would not fit any isolate.
    for (const tampered of [
      `$2b$31$${bcryptB.slice(7)}`,
      `$argon2id$v=19$m=4194304,t=1,p=1$${b64(salt)}$${'A'.repeat(43)}`,
    ]) {
      await t.stores.users.update(id, { passwordHash: tampered })
      await expectProblem(await login(t, 'ada@example.com'), 401, 'invalid_credentials')
    }
  })

  it('reports bad lines by number with a reason, skips them, and imports the good lines around them', async () => {
    const t = await setup()
    const good = (email: string) => line({ email, passwordHash: bcryptOf('2b') })
    async function* lines() {
      yield good('one@example.com') // 1
      yield '{"email": "two@example.com", "passwordHash": ' // 2: cut short
      yield '' // 3: blank lines are passed over
      yield good('four@example.com') // 4
      yield line({ email: 'not an address', passwordHash: bcryptOf('2b') }) // 5
      yield '["an array"]' // 6
      yield line({ email: 'seven@example.com', passwordHash: bcryptOf('2b'), password: PASSWORD }) // 7
      yield line({ email: 'eight@example.com', passwordHash: bcryptOf('2b'), name: '\u202Eevil' }) // 8
      yield line({ email: 'nine@example.com', passwordHash: bcryptOf('2b'), roles: 'admin' }) // 9
      yield line({ email: 'ten@example.com', passwordHash: bcryptOf('2b'), emailVerified: 'yes' }) // 10
      yield line({ email: 'eleven@example.com', passwordHash: bcryptOf('2b'), createdAt: '2021-02-30T00:00:00Z' }) // 11
      yield line({ email: 'twelve@example.com', passwordHash: bcryptOf('2b'), name: 'x'.repeat(20_000) }) // 12
      yield line({ email: 'thirteen@example.com' }) // 13
      yield '   ' // 14
      yield good('fifteen@example.com') // 15
    }
    const report = await importUsers(t.stores, lines())
    expect(report).toEqual({
      imported: 3,
      skipped: [
        { line: 2, reason: 'not valid JSON' },
        { line: 5, reason: 'email is missing or not a valid address' },
        { line: 6, reason: 'not a JSON object' },
        { line: 7, reason: 'unknown field "password"' },
        { line: 8, reason: 'name must be null or 1 to 100 printable characters' },
        { line: 9, reason: expect.stringMatching(/^roles must be an array/) },
        { line: 10, reason: 'emailVerified must be true or false' },
        { line: 11, reason: expect.stringMatching(/^createdAt must be an ISO 8601 date-time/) },
        { line: 12, reason: 'line is longer than 16384 characters' },
        { line: 13, reason: 'passwordHash is missing' },
      ],
    })
    for (const email of ['one@example.com', 'four@example.com', 'fifteen@example.com']) {
      expect((await login(t, email)).status, email).toBe(200)
    }
    for (const n of ['two', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen']) {
      expect(await t.stores.users.findByEmail(`${n}@example.com` as Email), n).toBeNull()
    }
    expect(JSON.stringify(report)).not.toContain(PASSWORD)
  })

  it('never half-imports a duplicate email: the account that holds it stays as it was', async () => {
    const t = await setup()
    const other = 'another password entirely'
    expect(
      (await new TestClient(t.app).request('/register', post({ email: 'ada@example.com', password: PASSWORD }))).status,
    ).toBe(201)
    const before = await t.stores.users.findByEmail('ada@example.com' as Email)
    const takeover = { passwordHash: bcrypt.hashSync(other, 4), name: 'Mallory', emailVerified: true, roles: ['admin'] }
    const report = await importUsers(t.stores, [
      line({ email: 'ADA@example.com', ...takeover }), // 1: already registered
      line({ email: 'bob@example.com', passwordHash: bcryptOf('2b'), name: 'Bob' }), // 2
      line({ email: 'Bob@Example.com', ...takeover }), // 3: a second time in the file
    ])
    expect(report).toEqual({
      imported: 1,
      skipped: [
        { line: 1, reason: 'email is already taken' },
        { line: 3, reason: 'email is already on line 2' },
      ],
    })
    expect(await t.stores.users.findByEmail('ada@example.com' as Email)).toEqual(before)
    await expectProblem(await login(t, 'ada@example.com', other), 401, 'invalid_credentials')
    expect((await login(t, 'ada@example.com')).status).toBe(200)
    await expectProblem(await login(t, 'bob@example.com', other), 401, 'invalid_credentials')
    const bob = await bodyOf(await login(t, 'bob@example.com'))
    expect(bob.user).toMatchObject({ name: 'Bob', emailVerified: false, roles: [] })
  })
})

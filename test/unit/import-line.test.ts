import { describe, expect, it } from 'vitest'
import { createMemoryStores } from '../../src/adapters/stores/memory/index.js'
import { IMPORT_LINE_MAX, IMPORT_ROLES_MAX, parseImportLine } from '../../src/application/import-line.js'
import { importUsers } from '../../src/application/import-users.js'
import { instant } from '../../src/domain/units.js'
import type { UserRecord } from '../../src/domain/user.js'

const NOW = instant(Date.parse('2024-06-01T12:00:00Z'))
const HASH = '$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'
const accepts = (hash: string) => hash === HASH
const parse = (record: Record<string, unknown>) =>
  parseImportLine(JSON.stringify({ email: 'ada@example.com', passwordHash: HASH, ...record }), accepts, NOW)
const reasonOf = (record: Record<string, unknown>) => {
  const parsed = parse(record)
  return parsed.ok ? null : parsed.reason
}

describe('an import line', () => {
  it('takes email and passwordHash alone, with defaults for the rest', () => {
    expect(parse({})).toEqual({
      ok: true,
      account: { email: 'ada@example.com', passwordHash: HASH, name: null, emailVerified: false, roles: [] },
    })
    expect(parse({ name: null })).toMatchObject({ ok: true, account: { name: null } })
  })

  it('reads createdAt as an ISO 8601 date-time with seconds and a zone, from 1970 to now', () => {
    for (const [raw, at] of [
      ['2021-03-04T05:06:07Z', '2021-03-04T05:06:07.000Z'],
      ['2021-03-04T05:06:07.123456+02:00', '2021-03-04T03:06:07.123Z'],
      ['2024-02-29T23:59:59-05:30', '2024-03-01T05:29:59.000Z'],
      ['2024-06-01T12:00:00Z', '2024-06-01T12:00:00.000Z'],
    ] as const) {
      expect(parse({ createdAt: raw }), raw).toMatchObject({ ok: true, account: { createdAt: Date.parse(at) } })
    }
    for (const raw of [
      '2021-02-29T00:00:00Z', // no such day
      '2021-04-31T00:00:00Z',
      '2021-03-04T24:00:00Z',
      '2021-03-04T05:60:00Z',
      '2021-03-04T05:06:60Z',
      '2021-03-04T05:06:07', // no zone
      '2021-03-04T05:06Z', // no seconds
      '2021-03-04',
      '2021-03-04 05:06:07Z',
      '1969-12-31T23:59:59Z',
      '2024-06-01T12:00:01Z', // after now
      '2021-03-04T05:06:07+24:00',
      1614834367000,
    ]) {
      expect(reasonOf({ createdAt: raw }), String(raw)).toMatch(/^createdAt must be/)
    }
  })

  it('takes up to 32 roles of 1 to 64 safe characters, each once', () => {
    expect(parse({ roles: ['admin', 'billing:read', 'a.b_c-d', 'admin'] })).toMatchObject({
      account: { roles: ['admin', 'billing:read', 'a.b_c-d'] },
    })
    const many = Array.from({ length: IMPORT_ROLES_MAX }, (_, i) => `r${i}`)
    expect(parse({ roles: many })).toMatchObject({ ok: true })
    for (const roles of [
      [...many, 'one-more'],
      ['x'.repeat(65)],
      [''],
      ['has space'],
      ['-leading'],
      [1],
      'admin',
      null,
    ]) {
      expect(reasonOf({ roles }), JSON.stringify(roles)).toMatch(/^roles must be/)
    }
  })

  it('names an unknown field only when the name is short and plain', () => {
    expect(reasonOf({ password_hash: 'x' })).toBe('unknown field "password_hash"')
    expect(reasonOf({ [HASH]: 1 })).toBe('an unknown field')
    expect(reasonOf({ ['x'.repeat(41)]: 1 })).toBe('an unknown field')
  })

  it('refuses wrong types without repeating the values', () => {
    expect(reasonOf({ email: 42 })).toBe('email is missing or not a valid address')
    expect(reasonOf({ email: 'ada\uD800@example.com' })).toBe('email is missing or not a valid address')
    expect(reasonOf({ passwordHash: 7 })).toBe('passwordHash is missing')
    expect(reasonOf({ passwordHash: `${HASH} ` })).toMatch(/^passwordHash is not a supported hash/)
    expect(reasonOf({ name: 5 })).toMatch(/^name must be/)
    expect(reasonOf({ name: '' })).toMatch(/^name must be/)
    expect(reasonOf({ emailVerified: 1 })).toBe('emailVerified must be true or false')
    expect(reasonOf({ emailVerified: null })).toBe(null) // null reads as absent
  })

  it(`is at most ${IMPORT_LINE_MAX} characters`, () => {
    const base = JSON.stringify({ email: 'ada@example.com', passwordHash: HASH, name: '' })
    const fill = (n: number) =>
      JSON.stringify({ email: 'ada@example.com', passwordHash: HASH, name: 'x'.repeat(n - base.length) })
    expect(fill(IMPORT_LINE_MAX).length).toBe(IMPORT_LINE_MAX)
    expect(parseImportLine(fill(IMPORT_LINE_MAX), accepts, NOW)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^name/),
    })
    expect(parseImportLine(fill(IMPORT_LINE_MAX + 1), accepts, NOW)).toEqual({
      ok: false,
      reason: `line is longer than ${IMPORT_LINE_MAX} characters`,
    })
  })
})

describe('importUsers (the use case)', () => {
  const deps = (stores = createMemoryStores()) => {
    let n = 0
    return {
      stores,
      deps: { users: stores.users, hasher: { accepts }, clock: { now: () => NOW }, random: { id: () => `id-${++n}` } },
    }
  }

  it('drops a byte-order mark before the first line and CR before each newline', async () => {
    const { deps: d, stores } = deps()
    const lines = [
      `\uFEFF{"email":"a@example.com","passwordHash":"${HASH}"}\r`,
      `{"email":"b@example.com","passwordHash":"${HASH}"}\r`,
    ]
    expect(await importUsers(d, lines)).toEqual({ imported: 2, skipped: [] })
    expect(await stores.users.findByEmail('b@example.com' as UserRecord['email'])).toMatchObject({
      id: 'id-2',
      createdAt: NOW,
    })
  })

  it('stops with the lines done so far when the store fails, and says at which line', async () => {
    const { deps: d } = deps()
    let calls = 0
    const failing = {
      ...d,
      users: {
        ...d.users,
        create: async (u: UserRecord) => {
          if (++calls === 2) throw new Error('store down')
          return d.users.create(u)
        },
      },
    }
    const lines = [
      '{}',
      `{"email":"a@example.com","passwordHash":"${HASH}"}`,
      `{"email":"b@example.com","passwordHash":"${HASH}"}`,
    ]
    const err = await importUsers(failing, lines).catch((e: unknown) => e)
    expect(err).toMatchObject({
      name: 'ImportStoppedError',
      line: 3,
      report: { imported: 1, skipped: [{ line: 1, reason: 'email is missing or not a valid address' }] },
    })
    expect((err as Error).cause).toMatchObject({ message: 'store down' })
  })
})

import { describe, expect, it } from 'vitest'
import type { Email } from '../../src/domain/email.js'
import { TestClient } from '../support/app-harness.js'
import {
  bodyOf,
  countingHasher,
  expectProblem,
  PASSWORD,
  post,
  setsCookies,
  setup,
  signedIn,
  useHasher,
} from './helpers.js'

const USER_KEYS = ['createdAt', 'email', 'emailVerified', 'id', 'name', 'roles']

describe('POST /register', () => {
  it('answers 201 {user} with id, email, name and an ISO createdAt, and sets no cookie', async () => {
    const t = await setup()
    const res = await t.client.request('/register', post({ email: 'ada@example.com', password: PASSWORD, name: 'Ada' }))
    expect(res.status).toBe(201)
    expect(setsCookies(res)).toBe(false)
    const { user } = (await bodyOf(res)) as { user: Record<string, unknown> }
    expect(Object.keys(user).sort()).toEqual(USER_KEYS)
    expect(user).toMatchObject({ email: 'ada@example.com', name: 'Ada' })
    expect(typeof user.id).toBe('string')
    expect(user.createdAt).toBe(new Date(t.clock.now()).toISOString())
    // No session: the client logs in next.
    expect((await t.client.request('/session')).status).toBe(401)
  })

  it('never returns a password or a hash', async () => {
    const t = await setup()
    const res = await t.client.request('/register', post({ email: 'h@example.com', password: PASSWORD }))
    const text = await res.text()
    expect(text).not.toContain(PASSWORD)
    expect(text).not.toMatch(/scrypt|passwordHash/i)
    const stored = await t.stores.users.findByEmail('h@example.com' as Email)
    expect(stored && text.includes(stored.passwordHash)).toBe(false)
  })

  it('defaults name to null and normalises a given name', async () => {
    const t = await setup()
    const a = await bodyOf(await t.client.request('/register', post({ email: 'a@example.com', password: PASSWORD })))
    expect((a.user as { name: unknown }).name).toBeNull()
    const b = await bodyOf(
      await t.client.request('/register', post({ email: 'b@example.com', password: PASSWORD, name: '  Ｂｏｂ  ' })),
    )
    expect((b.user as { name: unknown }).name).toBe('Bob')
  })

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['too long', 'x'.repeat(101)],
    ['control character', 'a\u0000b'],
  ])('refuses a bad name (%s) with 400 and creates nothing', async (_label, name) => {
    const t = await setup()
    await expectProblem(
      await t.client.request('/register', post({ email: 'n@example.com', password: PASSWORD, name })),
      400,
      'invalid_request',
    )
    expect(await t.stores.users.findByEmail('n@example.com' as Email)).toBeNull()
  })

  it('answers 409 email_taken for an address already registered, in any case or spacing', async () => {
    const t = await setup()
    expect((await t.client.request('/register', post({ email: 'taken@example.com', password: PASSWORD }))).status).toBe(
      201,
    )
    for (const email of ['taken@example.com', '  TAKEN@Example.com ', 'ｔａｋｅｎ@example.com']) {
      await expectProblem(
        await t.client.request('/register', post({ email, password: 'another good passphrase' })),
        409,
        'email_taken',
      )
    }
  })

  describe('emails', () => {
    it('are trimmed and lower-cased before being stored', async () => {
      const t = await setup()
      const res = await t.client.request('/register', post({ email: '  Alice@Example.COM\t', password: PASSWORD }))
      expect(((await bodyOf(res)).user as { email: string }).email).toBe('alice@example.com')
      expect((await t.client.request('/login', post({ email: 'ALICE@example.com', password: PASSWORD }))).status).toBe(
        200,
      )
    })

    it('are NFKC-normalised: a fullwidth at sign is the same address, not another account', async () => {
      const t = await setup()
      const res = await t.client.request('/register', post({ email: 'victim＠example.com', password: PASSWORD }))
      expect(res.status).toBe(201)
      const user = (await bodyOf(res)).user as { id: string; email: string }
      expect(user.email).toBe('victim@example.com')
      await expectProblem(
        await t.client.request('/register', post({ email: 'victim@example.com', password: 'attacker passphrase' })),
        409,
        'email_taken',
      )
      const login = await t.client.request('/login', post({ email: 'victim@example.com', password: PASSWORD }))
      expect(((await bodyOf(login)).user as { id: string }).id).toBe(user.id)
    })

    it('keep a dotless i apart: mıke@ never reaches mike@', async () => {
      const t = await setup()
      const mike = await signedIn(t, 'mike@example.com')
      const res = await t.client.request(
        '/register',
        post({ email: 'mıke@example.com', password: 'other passphrase 1' }),
      )
      expect(res.status).toBe(201)
      const other = (await bodyOf(res)).user as { id: string; email: string }
      expect(other.email).toBe('mıke@example.com')
      expect(other.id).not.toBe(mike.userId)
      // Mike's password does not open the look-alike account, nor the look-alike's open Mike's.
      for (const email of ['mıke@example.com', 'MİKE@example.com']) {
        await expectProblem(
          await new TestClient(t.app).request('/login', post({ email, password: PASSWORD })),
          401,
          'invalid_credentials',
        )
      }
      await expectProblem(
        await new TestClient(t.app).request(
          '/login',
          post({ email: 'mike@example.com', password: 'other passphrase 1' }),
        ),
        401,
        'invalid_credentials',
      )
    })

    it.each([
      ['no at sign', 'alice.example.com'],
      ['two at signs', 'a@b@example.com'],
      ['two at signs, one fullwidth', 'a＠b@example.com'],
      ['a control character', 'al\u0000ice@example.com'],
      ['an inner space', 'al ice@example.com'],
      ['no domain dot', 'alice@localhost'],
      ['empty', ''],
      ['over 254 octets', `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}.com`],
    ])('refuses an invalid email (%s) with 400', async (_label, email) => {
      const t = await setup()
      await expectProblem(
        await t.client.request('/register', post({ email, password: PASSWORD })),
        400,
        'invalid_request',
      )
    })
  })

  describe('passwords', () => {
    it('refuses 7 characters with 400 and accepts 8', async () => {
      const t = await setup()
      await expectProblem(
        await t.client.request('/register', post({ email: 'short@example.com', password: 'zq7#Lm2' })),
        400,
        'invalid_request',
      )
      expect(
        (await t.client.request('/register', post({ email: 'short@example.com', password: 'zq7#Lm2x' }))).status,
      ).toBe(201)
    })

    it('counts code points: 1024 astral characters pass, 1025 are a 400 answered without hashing', async () => {
      const t = await setup()
      const hasher = countingHasher(t.deps.hasher)
      useHasher(t, hasher)
      await expectProblem(
        await t.client.request('/register', post({ email: 'long@example.com', password: '😀'.repeat(1025) })),
        400,
        'invalid_request',
      )
      await expectProblem(
        await t.client.request('/register', post({ email: 'long@example.com', password: 'a'.repeat(1025) })),
        400,
        'invalid_request',
      )
      expect(hasher.runs).toEqual([])
      expect(await t.stores.users.findByEmail('long@example.com' as Email)).toBeNull()

      const ok = await t.client.request('/register', post({ email: 'long@example.com', password: '😀'.repeat(1024) }))
      expect(ok.status).toBe(201)
      expect(hasher.runs).toEqual(['hash'])
      const login = await t.client.request('/login', post({ email: 'long@example.com', password: '😀'.repeat(1024) }))
      expect(login.status).toBe(200)
    })

    it.each(['password1', 'Password123', '12345678', 'qwertyuiop'])(
      'refuses a common password (%s) with 400',
      async (password) => {
        const t = await setup()
        const body = await expectProblem(
          await t.client.request('/register', post({ email: 'common@example.com', password })),
          400,
          'invalid_request',
        )
        expect(JSON.stringify(body)).not.toContain(password)
      },
    )

    it('needs no composition rules', async () => {
      const t = await setup()
      expect(
        (await t.client.request('/register', post({ email: 'c@example.com', password: 'lowercase only words' })))
          .status,
      ).toBe(201)
    })
  })

  it.each([
    ['missing email', { password: PASSWORD }],
    ['missing password', { email: 'x@example.com' }],
    ['email not a string', { email: 42, password: PASSWORD }],
    ['password not a string', { email: 'x@example.com', password: null }],
    ['name not a string', { email: 'x@example.com', password: PASSWORD, name: 7 }],
    ['unknown key', { email: 'x@example.com', password: PASSWORD, admin: true }],
  ])('refuses a body with %s with 400', async (_label, json) => {
    const t = await setup()
    await expectProblem(await t.client.request('/register', post(json)), 400, 'invalid_request')
    expect(await t.stores.users.findByEmail('x@example.com' as Email)).toBeNull()
  })
})

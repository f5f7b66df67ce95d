import { describe, expect, it } from 'vitest'
import { register } from '../../src/application/register.js'
import type { Email } from '../../src/domain/email.js'
import { retryAfterSeconds } from '../../src/domain/units.js'
import { makeDeps, PASSWORD, SEC } from './unit-deps.js'

const ip = '192.0.2.1'

describe('register', () => {
  it('creates an account with a normalised email and answers its public view only', async () => {
    const deps = await makeDeps()
    const result = await register(deps, { email: '  Ada@Example.COM ', password: PASSWORD, name: ' Ada ', ip })
    expect(result).toEqual({
      ok: true,
      value: {
        id: 'id00000000000000000001',
        email: 'ada@example.com',
        name: 'Ada',
        createdAt: deps.clock.now(),
        emailVerified: false,
        roles: [],
      },
    })
    expect(JSON.stringify(result)).not.toContain('scrypt')
    const stored = await deps.users.findByEmail('ada@example.com' as Email)
    expect(stored?.passwordHash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/)
    expect(await deps.hasher.verify(stored?.passwordHash ?? '', PASSWORD)).toBe(true)
    expect(deps.log.named('register')).toEqual([{ name: 'register', fields: { userId: 'id00000000000000000001', ip } }])
  })

  it('hashes the NFKC form of the password', async () => {
    const deps = await makeDeps()
    await register(deps, { email: 'a@example.com', password: 'ｆｕｌｌｗｉｄｔｈ-pass', ip })
    const stored = await deps.users.findByEmail('a@example.com' as Email)
    expect(await deps.hasher.verify(stored?.passwordHash ?? '', 'fullwidth-pass')).toBe(true)
  })

  it('refuses an email already taken, in any spelling that normalises to it, without hashing', async () => {
    const deps = await makeDeps()
    expect((await register(deps, { email: 'victim@example.com', password: PASSWORD, ip })).ok).toBe(true)
    const hashes = deps.hasher.calls.hash
    for (const email of [
      'victim＠example.com',
      'VICTIM@example.com',
      ' victim@EXAMPLE.com',
      'ｖｉｃｔｉｍ@example.com',
    ]) {
      expect(await register(deps, { email, password: PASSWORD, ip })).toEqual({ ok: false, error: 'email_taken' })
    }
    expect(deps.hasher.calls.hash).toBe(hashes)
  })

  it('keeps a dotless-i address apart from the dotted one', async () => {
    const deps = await makeDeps()
    const mike = await register(deps, { email: 'mike@example.com', password: PASSWORD, ip })
    const dotless = await register(deps, { email: 'mıke@example.com', password: PASSWORD, ip })
    expect(mike.ok && dotless.ok).toBe(true)
    if (mike.ok && dotless.ok) {
      expect(dotless.value.id).not.toBe(mike.value.id)
      expect(dotless.value.email).toBe('mıke@example.com')
    }
  })

  it('lets exactly one of two racing registrations win', async () => {
    const deps = await makeDeps()
    const results = await Promise.all([
      register(deps, { email: 'race@example.com', password: PASSWORD, ip }),
      register(deps, { email: 'RACE@example.com', password: PASSWORD, ip }),
    ])
    expect(results.filter((r) => r.ok)).toHaveLength(1)
    expect(results.filter((r) => !r.ok && r.error === 'email_taken')).toHaveLength(1)
  })

  it.each([
    ['an invalid email', { email: 'not-an-email' }],
    ['two @', { email: 'a@b@example.com' }],
    ['a short password', { password: 'short12' }],
    ['a common password', { password: 'Password123' }],
    ['a fullwidth common password', { password: 'ｐａｓｓｗｏｒｄ' }],
    ['a password over 1024 code points', { password: 'a'.repeat(1025) }],
    ['a password of 1025 emoji', { password: '😀'.repeat(1025) }],
    ['an empty name', { name: '   ' }],
    ['a name with a control character', { name: 'Ada\u0007' }],
    ['a name of 101 characters', { name: 'n'.repeat(101) }],
  ])('refuses %s as invalid_request, without hashing', async (_, patch) => {
    const deps = await makeDeps()
    const result = await register(deps, { email: 'ok@example.com', password: PASSWORD, ip, ...patch })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error).toBe('invalid_request')
    expect(deps.hasher.calls.hash).toBe(0)
    expect(await deps.users.findByEmail('ok@example.com' as Email)).toBeNull()
  })

  it('accepts a password of 1024 emoji (code points, not UTF-16 units)', async () => {
    const deps = await makeDeps()
    const result = await register(deps, { email: 'emoji@example.com', password: '😀'.repeat(1024), ip })
    expect(result.ok).toBe(true)
  })

  it('limits registrations per client IP per minute', async () => {
    const deps = await makeDeps({ policy: { rateLimitPerMinute: 3 } })
    for (let i = 0; i < 3; i++) {
      expect((await register(deps, { email: `u${i}@example.com`, password: PASSWORD, ip })).ok).toBe(true)
    }
    const limited = await register(deps, { email: 'u3@example.com', password: PASSWORD, ip })
    expect(limited.ok).toBe(false)
    if (!limited.ok) {
      expect(limited.error).toBe('rate_limited')
      // The clock has not moved since the first registration opened the window: all 60 s of it.
      expect(limited.retryAfter).toBe(60 * SEC)
      expect(limited.retryAfter !== undefined && retryAfterSeconds(limited.retryAfter)).toBe(60)
    }
    expect((await register(deps, { email: 'u3@example.com', password: PASSWORD, ip: '198.51.100.7' })).ok).toBe(true)
    deps.clock.advance(60 * SEC)
    expect((await register(deps, { email: 'u4@example.com', password: PASSWORD, ip })).ok).toBe(true)
  })
})

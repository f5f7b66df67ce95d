import { describe, expect, it, vi } from 'vitest'
import { createScryptHasher } from '../../src/adapters/crypto/scrypt-hasher.js'
import { createMemoryStores } from '../../src/adapters/stores/memory/index.js'
import { login } from '../../src/application/login.js'
import type { Email } from '../../src/domain/email.js'
import { retryAfterSeconds, seconds } from '../../src/domain/units.js'
import { fakeClock } from '../support/fixtures.js'
import { DAY, loggedIn, makeDeps, PASSWORD, registered, SEC } from './unit-deps.js'

const ip = '192.0.2.1'
const attempt = (deps: Parameters<typeof login>[0], email: string, password: string, from = ip) =>
  login(deps, { email, password, ip: from, userAgent: 'vitest' })

describe('login', () => {
  it('never turns an attacker-sized malformed email into a stored key', async () => {
    const deps = await makeDeps()
    const keys: string[] = []
    const hit = deps.limiter.hit.bind(deps.limiter)
    const counting = {
      ...deps,
      limiter: {
        ...deps.limiter,
        hit: (...args: Parameters<typeof hit>) => {
          keys.push(args[0])
          return hit(...args)
        },
      },
    }
    const huge = `${'\uFDFA'.repeat(2000)}@`
    expect(await attempt(counting, huge, PASSWORD)).toMatchObject({ ok: false, error: 'invalid_credentials' })
    expect(await attempt(counting, 'not an email', PASSWORD)).toMatchObject({ ok: false, error: 'invalid_credentials' })
    expect(Math.max(...keys.map((k) => k.length))).toBeLessThan(300)
    expect(new Set(keys.filter((k) => k.startsWith('login-fail:')))).toEqual(new Set(['login-fail:!malformed']))
  })

  it('starts a session and issues tokens bound to it', async () => {
    const deps = await makeDeps()
    const userId = await registered(deps, 'ada@example.com')
    const now = deps.clock.now()
    const result = await attempt(deps, 'ada@example.com', PASSWORD)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    const { user, session, accessToken, refreshToken } = result.value
    expect(user).toEqual({
      id: userId,
      email: 'ada@example.com',
      name: null,
      createdAt: now,
      emailVerified: false,
      roles: [],
    })
    expect(session).toMatchObject({
      userId,
      generation: 0,
      createdAt: now,
      rotatedAt: now,
      lastUsedAt: now,
      expiresAt: now + 30 * DAY,
      absoluteExpiresAt: now + 90 * DAY,
      userAgent: 'vitest',
    })
    expect(result.value.accessTokenExpiresAt).toBe(now + 600 * SEC)
    expect(result.value.refreshTokenExpiresAt).toBe(now + 30 * DAY)
    expect(await deps.sessions.find(session.id, now)).toEqual(session)
    expect(await deps.accessTokens.verify(accessToken, now)).toMatchObject({
      valid: true,
      claims: { sub: userId, sid: session.id },
    })
    expect(await deps.refreshTokens.open(refreshToken)).toEqual({ sessionId: session.id, generation: 0 })
    expect(deps.log.named('login_success')).toEqual([
      { name: 'login_success', fields: { userId, sessionId: session.id, ip } },
    ])
  })

  it('caps the first expiry at the absolute lifetime and truncates the user agent', async () => {
    const deps = await makeDeps({ policy: { refreshTokenTtl: seconds(3600), sessionMaxLifetime: seconds(1800) } })
    await registered(deps, 'ada@example.com')
    const result = await login(deps, { email: 'ada@example.com', password: PASSWORD, ip, userAgent: 'x'.repeat(999) })
    if (!result.ok) throw new Error(result.error)
    expect(result.value.session.expiresAt).toBe(deps.clock.now() + 1800 * SEC)
    expect(result.value.session.userAgent).toHaveLength(256)
  })

  it('finds the account under any spelling of the email that normalises to it', async () => {
    const deps = await makeDeps()
    const userId = await registered(deps, 'victim@example.com')
    for (const email of ['VICTIM@Example.com', '  victim@example.com\t', 'victim＠example.com']) {
      const result = await attempt(deps, email, PASSWORD)
      expect(result.ok && result.value.user.id).toBe(userId)
    }
    expect((await attempt(deps, 'vıctim@example.com', PASSWORD)).ok).toBe(false)
  })

  it('accepts the NFKC-equivalent form of the password', async () => {
    const deps = await makeDeps()
    await registered(deps, 'ada@example.com', 'ｆｕｌｌｗｉｄｔｈ-pass')
    expect((await attempt(deps, 'ada@example.com', 'fullwidth-pass')).ok).toBe(true)
  })

  it('answers an unknown email exactly as a wrong password, and runs the KDF for both', async () => {
    const deps = await makeDeps()
    await registered(deps, 'ada@example.com')
    const before = { ...deps.hasher.calls }

    const wrong = await attempt(deps, 'ada@example.com', 'not the password')
    expect(deps.hasher.calls.verify).toBe(before.verify + 1)
    expect(deps.hasher.calls.verifyDummy).toBe(before.verifyDummy)

    const unknown = await attempt(deps, 'ghost@example.com', 'not the password')
    expect(deps.hasher.calls.verify).toBe(before.verify + 1)
    expect(deps.hasher.calls.verifyDummy).toBe(before.verifyDummy + 1)

    const malformed = await attempt(deps, 'no-at-sign', 'not the password')
    expect(deps.hasher.calls.verifyDummy).toBe(before.verifyDummy + 2)

    expect(wrong).toEqual({ ok: false, error: 'invalid_credentials' })
    expect(unknown).toEqual(wrong)
    expect(malformed).toEqual(wrong)
    for (const e of deps.log.named('login_failure')) expect(JSON.stringify(e)).not.toContain('not the password')
  })

  it('refuses a password over 1024 code points before any hashing', async () => {
    const deps = await makeDeps()
    await registered(deps, 'ada@example.com')
    const before = { ...deps.hasher.calls }
    const result = await attempt(deps, 'ada@example.com', 'a'.repeat(1025))
    expect(result.ok === false && result.error).toBe('invalid_request')
    expect(deps.hasher.calls).toEqual(before)
  })

  describe('lockout after LOGIN_FAILURE_LIMIT failures', () => {
    it('locks the email, correct password included, with retryAfter until the window passes', async () => {
      const deps = await makeDeps({ policy: { loginFailureLimit: 5 } })
      await registered(deps, 'ada@example.com')
      for (let i = 0; i < 5; i++) {
        expect(await attempt(deps, 'ada@example.com', 'wrong password')).toEqual({
          ok: false,
          error: 'invalid_credentials',
        })
      }
      const locked = await attempt(deps, 'ada@example.com', PASSWORD)
      expect(locked.ok).toBe(false)
      if (!locked.ok) {
        expect(locked.error).toBe('rate_limited')
        // The clock has not moved since the first failure opened the window: all 15 min of it.
        expect(locked.retryAfter).toBe(15 * 60 * SEC)
        expect(locked.retryAfter !== undefined && retryAfterSeconds(locked.retryAfter)).toBe(15 * 60)
      }
      expect(deps.log.named('login_locked')).toHaveLength(1)
      deps.clock.advance(15 * 60 * SEC - 1)
      expect((await attempt(deps, 'ada@example.com', PASSWORD)).ok).toBe(false)
      deps.clock.advance(1)
      expect((await attempt(deps, 'ada@example.com', PASSWORD)).ok).toBe(true)
    })

    it('counts per normalised email, so spellings share one counter and other emails are unaffected', async () => {
      const deps = await makeDeps({ policy: { loginFailureLimit: 5 } })
      await registered(deps, 'ada@example.com')
      await registered(deps, 'bob@example.com')
      for (const email of [
        'Ada@example.com',
        ' ada@EXAMPLE.com',
        'ADA@EXAMPLE.COM',
        'ａｄａ@example.com',
        'ada@example.com',
      ]) {
        await attempt(deps, email, 'wrong password')
      }
      const locked = await attempt(deps, 'ada@example.com', PASSWORD)
      expect(locked.ok === false && locked.error).toBe('rate_limited')
      expect((await attempt(deps, 'bob@example.com', PASSWORD)).ok).toBe(true)
    })

    it('counts unknown emails too', async () => {
      const deps = await makeDeps({ policy: { loginFailureLimit: 3 } })
      for (let i = 0; i < 3; i++) {
        expect((await attempt(deps, 'ghost@example.com', 'whatever-123')).ok === false).toBe(true)
      }
      const locked = await attempt(deps, 'GHOST@example.com', 'whatever-123')
      expect(locked.ok === false && locked.error).toBe('rate_limited')
    })

    it('resets the count after a successful login', async () => {
      const deps = await makeDeps({ policy: { loginFailureLimit: 5 } })
      await registered(deps, 'ada@example.com')
      for (let i = 0; i < 4; i++) await attempt(deps, 'ada@example.com', 'wrong password')
      expect((await attempt(deps, 'ada@example.com', PASSWORD)).ok).toBe(true)
      for (let i = 0; i < 4; i++) {
        const r = await attempt(deps, 'ada@example.com', 'wrong password')
        expect(r.ok === false && r.error).toBe('invalid_credentials')
      }
      expect((await attempt(deps, 'ada@example.com', PASSWORD)).ok).toBe(true)
    })
  })

  it('limits logins per client IP per minute, whatever the credentials', async () => {
    const deps = await makeDeps({ policy: { rateLimitPerMinute: 3 } })
    await registered(deps, 'ada@example.com')
    for (let i = 0; i < 3; i++) expect((await attempt(deps, 'ada@example.com', PASSWORD)).ok).toBe(true)
    const limited = await attempt(deps, 'ada@example.com', PASSWORD)
    expect(limited.ok === false && limited.error).toBe('rate_limited')
    expect(limited.ok === false && limited.retryAfter).toBe(60 * SEC)
    expect((await attempt(deps, 'ada@example.com', PASSWORD, '198.51.100.9')).ok).toBe(true)
    deps.clock.advance(60 * SEC)
    expect((await attempt(deps, 'ada@example.com', PASSWORD)).ok).toBe(true)
  })

  it('rehashes on login when the configured parameters change, then stops', async () => {
    const stores = createMemoryStores()
    const clock = fakeClock()
    const old = await makeDeps({ stores, clock, scrypt: { ln: 10, r: 8, p: 1 } })
    const userId = await registered(old, 'ada@example.com')
    const before = (await stores.users.findById(userId))?.passwordHash ?? ''
    expect(before).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/)

    const current = await makeDeps({ stores, clock, scrypt: { ln: 11, r: 8, p: 1 } })
    expect(current.hasher.needsRehash(before)).toBe(true)
    expect((await attempt(current, 'ada@example.com', PASSWORD)).ok).toBe(true)
    const after = (await stores.users.findById(userId))?.passwordHash ?? ''
    expect(after).toMatch(/^\$scrypt\$ln=11,r=8,p=1\$/)
    expect(current.hasher.needsRehash(after)).toBe(false)
    expect(await createScryptHasher({ params: { ln: 11, r: 8, p: 1 } }).verify(after, PASSWORD)).toBe(true)

    const update = vi.spyOn(stores.users, 'update')
    expect((await attempt(current, 'ada@example.com', PASSWORD)).ok).toBe(true)
    expect(update).not.toHaveBeenCalled()
  })

  it('does not rehash after a failed login', async () => {
    const stores = createMemoryStores()
    const old = await makeDeps({ stores, scrypt: { ln: 10, r: 8, p: 1 } })
    await registered(old, 'ada@example.com')
    const current = await makeDeps({ stores, scrypt: { ln: 11, r: 8, p: 1 } })
    await attempt(current, 'ada@example.com', 'wrong password')
    const stored = await stores.users.findByEmail('ada@example.com' as Email)
    expect(stored?.passwordHash).toMatch(/^\$scrypt\$ln=10,/)
  })

  it('always starts a new session: no fixation, earlier sessions untouched', async () => {
    const deps = await makeDeps()
    await registered(deps, 'ada@example.com')
    const first = await loggedIn(deps, 'ada@example.com')
    deps.clock.advance(SEC)
    const second = await loggedIn(deps, 'ada@example.com')
    expect(second.session.id).not.toBe(first.session.id)
    expect(second.session.generation).toBe(0)
    expect(second.refreshToken).not.toBe(first.refreshToken)
    expect(await deps.refreshTokens.open(second.refreshToken)).toEqual({ sessionId: second.session.id, generation: 0 })
    expect(await deps.sessions.find(first.session.id, deps.clock.now())).toEqual(first.session)
    expect((await deps.sessions.listForUser(first.session.userId, deps.clock.now())).map((s) => s.id).sort()).toEqual(
      [first.session.id, second.session.id].sort(),
    )
  })
})

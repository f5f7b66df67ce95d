import { describe, expect, it } from 'vitest'
import { createScryptHasher } from '../../src/adapters/crypto/scrypt-hasher.js'
import type { Email } from '../../src/domain/email.js'
import type { UserId } from '../../src/domain/user.js'
import { TestClient } from '../support/app-harness.js'
import { parseSetCookies } from '../support/set-cookie.js'
import {
  bodyOf,
  countingHasher,
  DAY,
  expectProblem,
  PASSWORD,
  post,
  setsCookies,
  setup,
  signedIn,
  useHasher,
} from './helpers.js'

/** Headers that differ between any two responses whatever they say. */
const VARYING = new Set(['x-request-id', 'date'])
const comparable = (res: Response) => [...res.headers].filter(([k]) => !VARYING.has(k.toLowerCase())).sort()

describe('POST /login', () => {
  it('answers 200 {user, accessTokenExpiresAt, refreshTokenExpiresAt} and sets both cookies', async () => {
    const t = await setup()
    await t.client.request('/register', post({ email: 'ada@example.com', password: PASSWORD, name: 'Ada' }))
    const now = t.clock.now()
    const res = await t.client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = await bodyOf(res)
    expect(Object.keys(body).sort()).toEqual(['accessTokenExpiresAt', 'refreshTokenExpiresAt', 'user'])
    expect(body.user).toEqual({
      id: expect.any(String),
      email: 'ada@example.com',
      name: 'Ada',
      createdAt: new Date(now).toISOString(),
      emailVerified: false,
      roles: [],
    })
    expect(body.accessTokenExpiresAt).toBe(new Date(Math.floor(now / 1000) * 1000 + 600_000).toISOString())
    expect(body.refreshTokenExpiresAt).toBe(new Date(now + 30 * DAY).toISOString())
    const cookies = parseSetCookies(res)
    expect([...cookies.keys()].sort()).toEqual(['access_token', 'refresh_token'])
    // The cookies work: the session is the user's.
    const who = await bodyOf(await t.client.request('/session'))
    expect(who.userId).toBe((body.user as { id: string }).id)
  })

  it('never returns a password, hash or token in the body', async () => {
    const t = await setup()
    await t.client.request('/register', post({ email: 'ada@example.com', password: PASSWORD }))
    const res = await t.client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
    const text = await res.text()
    const cookies = parseSetCookies(res)
    expect(text).not.toContain(PASSWORD)
    expect(text).not.toMatch(/scrypt|hash/i)
    for (const { value } of cookies.values()) expect(text).not.toContain(value)
  })

  it('answers an unknown email and a wrong password with identical status, body and headers', async () => {
    const t = await setup()
    await t.client.request('/register', post({ email: 'ada@example.com', password: PASSWORD }))
    const unknown = await new TestClient(t.app).request(
      '/login',
      post({ email: 'nobody@example.com', password: 'wrong password here' }),
    )
    const wrong = await new TestClient(t.app).request(
      '/login',
      post({ email: 'ada@example.com', password: 'wrong password here' }),
    )
    expect(unknown.status).toBe(401)
    expect(wrong.status).toBe(401)
    expect(comparable(unknown)).toEqual(comparable(wrong))
    const [a, b] = [await unknown.text(), await wrong.text()]
    expect(a).toBe(b)
    await expectProblem(new Response(a, { status: 401, headers: unknown.headers }), 401, 'invalid_credentials')
    expect(setsCookies(unknown) || setsCookies(wrong)).toBe(false)
  })

  it('runs the KDF for an unknown email too', async () => {
    const t = await setup()
    await t.client.request('/register', post({ email: 'ada@example.com', password: PASSWORD }))
    const hasher = countingHasher(t.deps.hasher)
    useHasher(t, hasher)
    await t.client.request('/login', post({ email: 'nobody@example.com', password: PASSWORD }))
    await t.client.request('/login', post({ email: 'not an email', password: PASSWORD }))
    await t.client.request('/login', post({ email: 'ada@example.com', password: 'wrong password here' }))
    expect(hasher.runs).toEqual(['verifyDummy', 'verifyDummy', 'verify'])
  })

  it('answers a password over 1024 code points with 400 without hashing', async () => {
    const t = await setup()
    await t.client.request('/register', post({ email: 'ada@example.com', password: PASSWORD }))
    const hasher = countingHasher(t.deps.hasher)
    useHasher(t, hasher)
    await expectProblem(
      await t.client.request('/login', post({ email: 'ada@example.com', password: '😀'.repeat(1025) })),
      400,
      'invalid_request',
    )
    expect(hasher.runs).toEqual([])
  })

  it('matches emails after NFKC, trimming and lower-casing', async () => {
    const t = await setup()
    const { userId } = await signedIn(t, 'ada@example.com')
    for (const email of [' ADA@example.com ', 'Ada＠Example.com', 'ａｄａ@example.com']) {
      const res = await new TestClient(t.app).request('/login', post({ email, password: PASSWORD }))
      expect(res.status, email).toBe(200)
      expect(((await bodyOf(res)).user as { id: string }).id).toBe(userId)
    }
  })

  it('hashes passwords after NFKC and never truncates them', async () => {
    const t = await setup()
    const long = `${'x'.repeat(80)}-tail`
    await t.client.request(
      '/register',
      post({ email: 'nfkc@example.com', password: 'Ｐａｓｓｐｈｒａｓｅ ｆｕｌｌｗｉｄｔｈ' }),
    )
    await t.client.request('/register', post({ email: 'long@example.com', password: long }))
    const login = (email: string, password: string) =>
      new TestClient(t.app).request('/login', post({ email, password }))
    expect((await login('nfkc@example.com', 'Passphrase fullwidth')).status).toBe(200)
    expect((await login('long@example.com', long)).status).toBe(200)
    expect((await login('long@example.com', 'x'.repeat(80))).status).toBe(401)
    expect((await login('long@example.com', long.slice(0, 72))).status).toBe(401)
  })

  it('starts a new session even when the client presents an old refresh cookie (no fixation)', async () => {
    const t = await setup()
    // The attacker's own session, whose cookies end up in the victim's browser.
    const attacker = await signedIn(t, 'attacker@example.com')
    const victim = await signedIn(t, 'victim@example.com')
    const browser = new TestClient(t.app)
    for (const [k, v] of attacker.client.jar) browser.jar.set(k, v)
    const planted = browser.jar.get('refresh_token')

    const res = await browser.request('/login', post({ email: 'victim@example.com', password: PASSWORD }))
    expect(res.status).toBe(200)
    expect(browser.jar.get('refresh_token')).not.toBe(planted)
    const who = await bodyOf(await browser.request('/session'))
    expect(who.userId).toBe(victim.userId)
    expect(who.sessionId).not.toBe(attacker.sessionId)
    expect(who.sessionId).not.toBe(victim.sessionId)

    // Same user, old cookie: still a fresh session, and the old one is left alone.
    const again = await victim.client.request('/login', post({ email: 'victim@example.com', password: PASSWORD }))
    expect(again.status).toBe(200)
    const now = await bodyOf(await victim.client.request('/session'))
    expect(now.sessionId).not.toBe(victim.sessionId)
  })

  it('rehashes the stored password when the hashing parameters change', async () => {
    const t = await setup()
    await signedIn(t, 'ada@example.com')
    const before = (await t.stores.users.findByEmail('ada@example.com' as Email))?.passwordHash
    expect(before).toMatch(/^\$scrypt\$ln=10,/)
    useHasher(t, createScryptHasher({ params: { ln: 11, r: 8, p: 1 } }))
    expect(
      (await new TestClient(t.app).request('/login', post({ email: 'ada@example.com', password: PASSWORD }))).status,
    ).toBe(200)
    const after = (await t.stores.users.findByEmail('ada@example.com' as Email))?.passwordHash
    expect(after).toMatch(/^\$scrypt\$ln=11,r=8,p=1\$/)
    expect(
      (await new TestClient(t.app).request('/login', post({ email: 'ada@example.com', password: PASSWORD }))).status,
    ).toBe(200)
  })

  it('bounds the hashing parameters read back from the store: a tampered row is a 401, not a hang or a 500', async () => {
    const t = await setup()
    const { userId } = await signedIn(t, 'ada@example.com')
    const salt = 'AAAAAAAAAAAAAAAAAAAAAA'
    const hash = 'A'.repeat(43)
    for (const tampered of [
      `$scrypt$ln=30,r=8,p=1$${salt}$${hash}`,
      `$scrypt$ln=14,r=99,p=1$${salt}$${hash}`,
      `$scrypt$ln=14,r=8,p=99$${salt}$${hash}`,
      '$argon2id$v=19$m=1,t=1,p=1$AAAA$AAAA',
      '',
    ]) {
      await t.stores.users.update(userId as UserId, { passwordHash: tampered })
      const res = await new TestClient(t.app).request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
      await expectProblem(res, 401, 'invalid_credentials')
    }
  })

  it('answers 401 with nothing set for a wrong password, and the account still works', async () => {
    const t = await setup()
    await t.client.request('/register', post({ email: 'ada@example.com', password: PASSWORD }))
    const res = await t.client.request('/login', post({ email: 'ada@example.com', password: `${PASSWORD}!` }))
    await expectProblem(res, 401, 'invalid_credentials')
    expect(setsCookies(res)).toBe(false)
    expect((await t.client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))).status).toBe(200)
  })

  it.each([
    ['missing password', { email: 'ada@example.com' }],
    ['password not a string', { email: 'ada@example.com', password: 12345678 }],
    ['unknown key', { email: 'ada@example.com', password: PASSWORD, remember: true }],
  ])('refuses a body with %s with 400', async (_label, json) => {
    const t = await setup()
    await expectProblem(await t.client.request('/login', post(json)), 400, 'invalid_request')
  })
})

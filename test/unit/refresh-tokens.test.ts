import { describe, expect, it } from 'vitest'
import { createRefreshTokens } from '../../src/adapters/crypto/refresh-tokens.js'
import type { SessionId } from '../../src/domain/session.js'
import { gen } from '../support/fixtures.js'
import { loggedIn, makeDeps, registered, SECRET, tamperAt } from './unit-deps.js'

const sid = 'id00000000000000000007' as SessionId
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

describe('refresh tokens', () => {
  it('round-trips sid.generation.mac with a 256-bit MAC', async () => {
    const rt = await createRefreshTokens(SECRET)
    const token = await rt.issue(sid, gen(42))
    expect(token).toMatch(/^id00000000000000000007\.42\.[A-Za-z0-9_-]{43}$/)
    expect(await rt.open(token)).toEqual({ sessionId: sid, generation: 42 })
    expect(await rt.issue(sid, gen(42))).toBe(token)
    expect(await rt.issue(sid, gen(43))).not.toBe(token)
  })

  it('is bound to the issuer and audience: another service sharing the secret cannot use its tokens here', async () => {
    const here = await createRefreshTokens(SECRET, { issuer: 'https://auth.example.com', audience: 'app' })
    const token = await here.issue(sid, gen(3))
    expect(await here.open(token)).toEqual({ sessionId: sid, generation: 3 })
    for (const scope of [
      {},
      { issuer: 'https://auth.example.com' },
      { audience: 'app' },
      { issuer: 'https://auth.example.com', audience: 'admin' },
      { issuer: 'https://other.example.com', audience: 'app' },
      // The two fields are not one string run together.
      { issuer: 'https://auth.example.comapp' },
    ]) {
      const elsewhere = await createRefreshTokens(SECRET, scope)
      expect(await elsewhere.open(token), JSON.stringify(scope)).toBeNull()
      expect(await here.open(await elsewhere.issue(sid, gen(3))), JSON.stringify(scope)).toBeNull()
    }
  })

  it('refuses a tampered MAC, session id or generation', async () => {
    const rt = await createRefreshTokens(SECRET)
    const token = await rt.issue(sid, gen(5))
    const [id, , mac] = token.split('.') as [string, string, string]
    const otherSid = await rt.issue('id00000000000000000008' as SessionId, gen(5))
    for (const forged of [
      tamperAt(token, token.length - 2),
      tamperAt(token, token.length - 43),
      `${id.slice(0, -1)}8.5.${mac}`,
      `${id}.6.${mac}`,
      `${id}.4.${mac}`,
      `${id}.5.${otherSid.split('.')[2]}`,
    ]) {
      expect(await rt.open(forged), forged).toBeNull()
    }
  })

  it('accepts one spelling only: the unused low bits of the last MAC character must be zero', async () => {
    const rt = await createRefreshTokens(SECRET)
    const token = await rt.issue(sid, gen(5))
    const last = token.at(-1) ?? 'A'
    const i = ALPHABET.indexOf(last)
    for (const twin of [i ^ 1, i ^ 2, i ^ 3]) {
      expect(await rt.open(token.slice(0, -1) + ALPHABET[twin])).toBeNull()
    }
  })

  it('refuses a token made with another secret', async () => {
    const mine = await createRefreshTokens(SECRET)
    const theirs = await createRefreshTokens('another-secret-of-sufficient-length-000000')
    expect(await mine.open(await theirs.issue(sid, gen(0)))).toBeNull()
  })

  it('opens a token made under a previous secret (JWT_PREVIOUS_SECRETS), and issues under the current one', async () => {
    const sid = 'sessPrevSecret0000000001' as SessionId
    const previous = 'a-previous-secret-0123456789abcdefghijkl'
    const before = createRefreshTokens(previous)
    const old = await before.issue(sid, gen(4))
    const after = createRefreshTokens(SECRET, {}, [previous])
    expect(await after.open(old)).toEqual({ sessionId: sid, generation: 4 })
    const renewed = await after.issue(sid, gen(5))
    expect(await createRefreshTokens(SECRET).open(renewed)).toEqual({ sessionId: sid, generation: 5 })
    expect(await before.open(renewed)).toBeNull()
    // Removed from the list, the previous secret's tokens open no more.
    expect(await createRefreshTokens(SECRET).open(old)).toBeNull()
  })

  it('derives its key apart from the JWT key: an HMAC under the raw secret does not verify', async () => {
    const rt = await createRefreshTokens(SECRET)
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(SECRET),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    for (const message of [`rt1.${sid}.0`, `${sid}.0`, `${sid}0`]) {
      const mac = Buffer.from(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(message)))
      expect(await rt.open(`${sid}.0.${mac.toString('base64url')}`)).toBeNull()
    }
  })

  it.each([
    '',
    'garbage',
    `${sid}.0`,
    `${sid}..${'A'.repeat(43)}`,
    `${sid}.01.${'A'.repeat(43)}`,
    `${sid}.-1.${'A'.repeat(43)}`,
    `${sid}.1e3.${'A'.repeat(43)}`,
    `${sid}.1234567890.${'A'.repeat(43)}`,
    `${sid}.0.${'A'.repeat(42)}`,
    `${sid}.0.${'A'.repeat(44)}`,
    `${sid}.0.${'A'.repeat(42)}=`,
    `${sid}.0.${'+'.repeat(43)}`,
    `short.0.${'A'.repeat(43)}`,
    `${'s'.repeat(65)}.0.${'A'.repeat(43)}`,
    `${sid}.0.${'A'.repeat(43)}.extra`,
    ` ${sid}.0.${'A'.repeat(43)}`,
    `${sid}.0.${'A'.repeat(43)}\n`,
    'x'.repeat(10_000),
  ])('refuses the malformed string %j', async (token) => {
    const rt = await createRefreshTokens(SECRET)
    expect(await rt.open(token)).toBeNull()
  })

  it('leaves nothing token-like in the store: the session keeps its generation only', async () => {
    const deps = await makeDeps()
    await registered(deps, 'ada@example.com')
    const login = await loggedIn(deps, 'ada@example.com')
    const stored = await deps.sessions.find(login.session.id, deps.clock.now())
    expect(Object.keys(stored ?? {}).sort()).toEqual([
      'absoluteExpiresAt',
      'createdAt',
      'expiresAt',
      'generation',
      'id',
      'lastUsedAt',
      'rotatedAt',
      'userAgent',
      'userId',
    ])
    const dump = JSON.stringify(stored)
    const mac = login.refreshToken.split('.')[2] ?? ''
    expect(mac).toHaveLength(43)
    expect(dump).not.toContain(mac)
    expect(dump).not.toContain(login.refreshToken)
    expect(dump).not.toContain(Buffer.from(mac, 'base64url').toString('hex'))
    expect(dump).not.toContain(Buffer.from(mac, 'base64url').toString('base64'))
  })
})

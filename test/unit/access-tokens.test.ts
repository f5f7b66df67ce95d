import { afterEach, describe, expect, it, vi } from 'vitest'
import { createAccessTokens } from '../../src/adapters/crypto/access-tokens.js'
import { createRefreshTokens } from '../../src/adapters/crypto/refresh-tokens.js'
import type { AccessTokens } from '../../src/application/ports.js'
import type { SessionId } from '../../src/domain/session.js'
import { generation, instant, seconds } from '../../src/domain/units.js'
import type { UserId } from '../../src/domain/user.js'
import { SEC } from '../support/constants.js'
import { SECRET } from './unit-deps.js'

// Far from the wall clock, so a check against `Date.now()` instead of the Clock port would show.
const NOW = instant(Date.UTC(2040, 0, 1))
const NOW_S = NOW / 1000
const uid = 'user-1' as UserId
const sid = 'session-1' as SessionId
const refreshSid = 'id00000000000000000001' as SessionId

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64url')
const encoder = new TextEncoder()

/** Signs a hand-written header and payload (raw JSON text) with HMAC. */
async function craft(
  header: string,
  payload: string,
  opts: { hash?: 'SHA-256' | 'SHA-384' | 'SHA-512'; secret?: string } = {},
): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(opts.secret ?? SECRET),
    { name: 'HMAC', hash: opts.hash ?? 'SHA-256' },
    false,
    ['sign'],
  )
  const input = `${b64(header)}.${b64(payload)}`
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(input))
  return `${input}.${Buffer.from(mac).toString('base64url')}`
}

const HS256 = '{"alg":"HS256","typ":"JWT"}'
const claims = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ sub: uid, sid, iat: NOW_S, exp: NOW_S + 600, ...extra })

const tokens = (extra: Partial<Parameters<typeof createAccessTokens>[0]> = {}): AccessTokens =>
  createAccessTokens({ secret: SECRET, ttl: seconds(600), cacheSize: 0, ...extra })

/** Replaces the character at `index` with another one whose six bits all differ. */
const flip = (s: string, index: number): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const c = alphabet[alphabet.indexOf(s[index] ?? 'A') ^ 63] ?? 'A'
  return s.slice(0, index) + c + s.slice(index + 1)
}

const INVALID = { valid: false, reason: 'invalid' }

afterEach(() => {
  vi.restoreAllMocks()
})

describe('access tokens: issue and verify', () => {
  it('round-trips HS256 tokens with sub, sid, roles, iat and exp from the Clock', async () => {
    const at = await tokens()
    const { token, expiresAt } = await at.issue({ userId: uid, sessionId: sid, roles: ['admin'] }, instant(NOW + 999))
    expect(expiresAt).toBe((NOW_S + 600) * SEC)
    const [header, payload] = token.split('.').map((p) => Buffer.from(p, 'base64url').toString())
    expect(JSON.parse(header ?? '')).toEqual({
      alg: 'HS256',
      typ: 'JWT',
      kid: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
    })
    expect(JSON.parse(payload ?? '')).toEqual({ sub: uid, sid, roles: ['admin'], iat: NOW_S, exp: NOW_S + 600 })
    expect(await at.verify(token, NOW)).toEqual({
      valid: true,
      claims: { sub: uid, sid, roles: ['admin'], iat: NOW_S, exp: NOW_S + 600 },
    })
  })

  it('reads a token without roles (signed before tokens had them) as holding none', async () => {
    const at = await tokens()
    const verdict = await at.verify(await craft(HS256, claims()), NOW)
    expect(verdict).toEqual({ valid: true, claims: expect.objectContaining({ roles: [] }) })
  })

  it.each([
    ['not a list', 'admin'],
    ['a list with a number', ['admin', 1]],
    ['an empty role', ['']],
    ['a role of 65 characters', ['r'.repeat(65)]],
    ['33 roles', Array.from({ length: 33 }, (_, i) => `r${i}`)],
  ])('refuses a signed token whose roles are %s', async (_, roles) => {
    const at = await tokens()
    expect(await at.verify(await craft(HS256, claims({ roles })), NOW)).toEqual(INVALID)
  })

  it('accepts a correct hand-made token (so every refusal below is for its own reason)', async () => {
    const at = await tokens()
    expect((await at.verify(await craft(HS256, claims()), NOW)).valid).toBe(true)
    expect((await at.verify(await craft('{"alg":"HS256"}', claims()), NOW)).valid).toBe(true)
  })

  it('refuses a token signed with another secret', async () => {
    const at = await tokens()
    const other = await tokens({ secret: 'another-secret-that-is-long-enough-0123456789' })
    const { token } = await other.issue({ userId: uid, sessionId: sid, roles: [] }, NOW)
    expect(await at.verify(token, NOW)).toEqual(INVALID)
  })
})

describe('access tokens: algorithm pinned to HS256', () => {
  it.each(['none', 'None', 'NONE', 'nOnE'])('refuses alg %s, signed or unsigned', async (alg) => {
    const at = await tokens()
    const header = JSON.stringify({ alg, typ: 'JWT' })
    const signed = await craft(header, claims())
    expect(await at.verify(signed, NOW)).toEqual(INVALID)
    expect(await at.verify(`${b64(header)}.${b64(claims())}.`, NOW)).toEqual(INVALID)
    expect(await at.verify(`${b64(header)}.${b64(claims())}`, NOW)).toEqual(INVALID)
  })

  it.each([
    ['HS384', 'SHA-384'],
    ['HS512', 'SHA-512'],
  ] as const)('refuses %s, with its own MAC or an HS256 one', async (alg, hash) => {
    const at = await tokens()
    const header = JSON.stringify({ alg, typ: 'JWT' })
    expect(await at.verify(await craft(header, claims(), { hash }), NOW)).toEqual(INVALID)
    expect(await at.verify(await craft(header, claims()), NOW)).toEqual(INVALID)
  })

  it.each(['RS256', 'ES256', 'PS256', 'EdDSA', 'hs256', 'HS256 '])(
    'refuses alg %j with an HMAC signature',
    async (alg) => {
      const at = await tokens()
      expect(await at.verify(await craft(JSON.stringify({ alg, typ: 'JWT' }), claims()), NOW)).toEqual(INVALID)
    },
  )

  it.each([
    ['missing', '{"typ":"JWT"}'],
    ['null', '{"alg":null,"typ":"JWT"}'],
    ['a number', '{"alg":256,"typ":"JWT"}'],
    ['an array', '{"alg":["HS256"],"typ":"JWT"}'],
  ])('refuses an alg that is %s', async (_, header) => {
    const at = await tokens()
    expect(await at.verify(await craft(header, claims()), NOW)).toEqual(INVALID)
  })

  it('refuses a crit header', async () => {
    const at = await tokens()
    const header = '{"alg":"HS256","typ":"JWT","crit":["exp"]}'
    expect(await at.verify(await craft(header, claims()), NOW)).toEqual(INVALID)
    expect(await at.verify(await craft('{"alg":"HS256","crit":[]}', claims()), NOW)).toEqual(INVALID)
  })

  it('ignores an embedded jwk: a token signed with the key it carries is refused', async () => {
    const at = await tokens()
    const attacker = 'attacker-secret-attacker-secret-attacker'
    const header = JSON.stringify({ alg: 'HS256', typ: 'JWT', jwk: { kty: 'oct', k: b64(attacker) }, jku: 'https://x' })
    expect(await at.verify(await craft(header, claims(), { secret: attacker }), NOW)).toEqual(INVALID)
  })

  it.each([
    ['a header that is not JSON', () => `${b64('{alg')}.${b64(claims())}.${'A'.repeat(43)}`],
    ['a header that is a string', () => craft('"HS256"', claims())],
    ['a header that is null', () => craft('null', claims())],
    ['a payload that is not JSON', () => craft(HS256, '{sub')],
    ['four segments', async () => `${await craft(HS256, claims())}.AAAA`],
    ['padding', async () => `${await craft(HS256, claims())}=`],
    ['a space', async () => ` ${await craft(HS256, claims())}`],
    ['the empty string', async () => ''],
  ])('refuses %s without throwing', async (_, make) => {
    const at = await tokens()
    expect(await at.verify(await make(), NOW)).toEqual(INVALID)
  })
})

describe('access tokens: claims', () => {
  it.each([
    ['exp as a string', claims({ exp: String(NOW_S + 600) })],
    ['exp "9999999999"', claims({ exp: '9999999999' })],
    ['exp true', claims({ exp: true })],
    ['exp 1e309', `{"sub":"${uid}","sid":"${sid}","iat":${NOW_S},"exp":1e309}`],
    ['exp -1e309', `{"sub":"${uid}","sid":"${sid}","iat":${NOW_S},"exp":-1e309}`],
    ['exp 0', claims({ exp: 0 })],
    ['exp negative', claims({ exp: -5 })],
    ['exp null', claims({ exp: null })],
    ['exp missing', JSON.stringify({ sub: uid, sid, iat: NOW_S })],
    ['iat missing', JSON.stringify({ sub: uid, sid, exp: NOW_S + 600 })],
    ['iat as a string', claims({ iat: String(NOW_S) })],
    ['iat 1e309', `{"sub":"${uid}","sid":"${sid}","iat":1e309,"exp":${NOW_S + 600}}`],
    ['sub missing', JSON.stringify({ sid, iat: NOW_S, exp: NOW_S + 600 })],
    ['sub a number', claims({ sub: 42 })],
    ['sub empty', claims({ sub: '' })],
    ['sub over 128 characters', claims({ sub: 'u'.repeat(129) })],
    ['sid missing', JSON.stringify({ sub: uid, iat: NOW_S, exp: NOW_S + 600 })],
    ['sid an object', claims({ sid: { id: sid } })],
    ['nbf a string', claims({ nbf: String(NOW_S) })],
    ['a null payload', 'null'],
    ['an array payload', `[${claims()}]`],
    ['a string payload', '"hello"'],
    ['a number payload', '42'],
  ])('refuses %s', async (_, payload) => {
    const at = await tokens()
    expect(await at.verify(await craft(HS256, payload), NOW)).toEqual(INVALID)
  })

  it('allows 30 s of leeway on exp: valid at exp + 29 s, expired at exp + 31 s', async () => {
    for (const cacheSize of [0, 100]) {
      const at = await tokens({ cacheSize })
      const { token } = await at.issue({ userId: uid, sessionId: sid, roles: [] }, NOW)
      const exp = NOW_S + 600
      expect((await at.verify(token, NOW)).valid).toBe(true)
      expect((await at.verify(token, instant((exp + 29) * SEC))).valid).toBe(true)
      expect(await at.verify(token, instant((exp + 31) * SEC))).toEqual({
        valid: false,
        reason: 'expired',
        claims: { sub: uid, sid, roles: [], iat: NOW_S, exp },
      })
    }
  })

  it('compares exp with the Clock port, never the wall clock', async () => {
    // Long past by the wall clock: a check against Date.now() would call every one of these invalid.
    const past = instant(Date.UTC(2001, 0, 1))
    for (const cacheSize of [0, 100]) {
      const at = await tokens({ cacheSize })
      const { token } = await at.issue({ userId: uid, sessionId: sid, roles: [] }, past)
      const exp = past / SEC + 600
      expect((await at.verify(token, past)).valid).toBe(true)
      expect((await at.verify(token, instant((exp + 29) * SEC))).valid).toBe(true)
      expect(await at.verify(token, instant((exp + 31) * SEC))).toMatchObject({ valid: false, reason: 'expired' })
    }
  })

  it('caps the leeway at 60 s', async () => {
    const at = await tokens({ leeway: 3600 })
    const { token } = await at.issue({ userId: uid, sessionId: sid, roles: [] }, NOW)
    expect((await at.verify(token, instant((NOW_S + 600 + 59) * SEC))).valid).toBe(true)
    expect(await at.verify(token, instant((NOW_S + 600 + 61) * SEC))).toMatchObject({ valid: false, reason: 'expired' })
  })

  it('refuses iat and nbf further in the future than the leeway', async () => {
    const at = await tokens()
    expect((await at.verify(await craft(HS256, claims({ iat: NOW_S + 29 })), NOW)).valid).toBe(true)
    expect(await at.verify(await craft(HS256, claims({ iat: NOW_S + 31 })), NOW)).toEqual(INVALID)
    expect((await at.verify(await craft(HS256, claims({ nbf: NOW_S + 29 })), NOW)).valid).toBe(true)
    expect(await at.verify(await craft(HS256, claims({ nbf: NOW_S + 31 })), NOW)).toEqual(INVALID)
  })

  it('checks the signature first: an expired token with a bad signature is invalid, not expired', async () => {
    const at = await tokens()
    const { token } = await at.issue({ userId: uid, sessionId: sid, roles: [] }, NOW)
    const later = instant((NOW_S + 3600) * SEC)
    expect((await at.verify(token, later)).valid).toBe(false)
    expect(await at.verify(flip(token, token.length - 10), later)).toEqual(INVALID)
    const foreign = await craft(HS256, claims({ exp: NOW_S - 3600 }), { secret: 'x'.repeat(40) })
    expect(await at.verify(foreign, NOW)).toEqual(INVALID)
  })

  it('enforces iss and aud when configured', async () => {
    const at = await tokens({ issuer: 'https://auth.example.com', audience: 'app' })
    const { token } = await at.issue({ userId: uid, sessionId: sid, roles: [] }, NOW)
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString())
    expect(payload).toMatchObject({ iss: 'https://auth.example.com', aud: 'app' })
    expect((await at.verify(token, NOW)).valid).toBe(true)
    const good = { iss: 'https://auth.example.com', aud: 'app' }
    expect((await at.verify(await craft(HS256, claims(good)), NOW)).valid).toBe(true)
    for (const extra of [
      { aud: 'app' },
      { iss: 'https://auth.example.com' },
      { ...good, iss: 'https://evil.example.com' },
      { ...good, aud: 'other' },
      { ...good, iss: null },
    ]) {
      expect(await at.verify(await craft(HS256, claims(extra)), NOW), JSON.stringify(extra)).toEqual(INVALID)
    }
    // A verifier without iss/aud configured does not care, and one with them refuses plain tokens.
    const plain = await tokens()
    expect((await plain.verify(token, NOW)).valid).toBe(true)
    expect(await at.verify((await plain.issue({ userId: uid, sessionId: sid, roles: [] }, NOW)).token, NOW)).toEqual(
      INVALID,
    )
  })

  it('refuses a token over 8 KiB even with a good signature', async () => {
    const at = await tokens()
    const big = await craft(HS256, claims({ pad: 'p'.repeat(7000) }))
    expect(big.length).toBeGreaterThan(8192)
    expect(await at.verify(big, NOW)).toEqual(INVALID)
    const fits = await craft(HS256, claims({ pad: 'p'.repeat(4000) }))
    expect(fits.length).toBeLessThan(8192)
    expect((await at.verify(fits, NOW)).valid).toBe(true)
  })
})

describe('access tokens: lifetime bounds', () => {
  it.each([
    ['8.64e12 + 1', 8.64e12 + 1],
    ['1e300', 1e300],
    ['Number.MAX_VALUE', Number.MAX_VALUE],
    ['iat + ttl + leeway + 1', NOW_S + 600 + 30 + 1],
  ])('refuses a correctly signed token whose exp is %s (past iat + ttl + leeway)', async (_, exp) => {
    const at = await tokens()
    expect(await at.verify(await craft(HS256, claims({ exp })), NOW)).toEqual(INVALID)
  })

  it('accepts exp up to iat + ttl + leeway, for a peer with a slightly fast clock', async () => {
    const at = await tokens()
    expect((await at.verify(await craft(HS256, claims({ exp: NOW_S + 630 })), NOW)).valid).toBe(true)
  })

  it("caps exp at the session's absolute end", async () => {
    const at = await tokens()
    const end = instant(NOW + 20 * SEC)
    const { token, expiresAt } = await at.issue({ userId: uid, sessionId: sid, roles: [] }, NOW, end)
    expect(expiresAt).toBe(end)
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString())
    expect(payload.exp).toBe(NOW_S + 20)
    // 40 s after the session ended, past the 30 s leeway, the token is expired.
    expect(await at.verify(token, instant(end + 40 * SEC))).toMatchObject({ valid: false, reason: 'expired' })
    // A session ending after the TTL does not lengthen the token.
    expect((await at.issue({ userId: uid, sessionId: sid, roles: [] }, NOW, instant(NOW + 3600 * SEC))).expiresAt).toBe(
      NOW + 600 * SEC,
    )
  })
})

describe('access tokens: the verified-token cache', () => {
  it('still expires a cached token on time', async () => {
    const at = await tokens({ cacheSize: 100 })
    const { token } = await at.issue({ userId: uid, sessionId: sid, roles: [] }, NOW)
    expect((await at.verify(token, NOW)).valid).toBe(true)
    const exp = NOW_S + 600
    expect((await at.verify(token, instant((exp + 29) * SEC))).valid).toBe(true)
    expect(await at.verify(token, instant((exp + 30) * SEC))).toMatchObject({ valid: false, reason: 'expired' })
    expect(await at.verify(token, instant((exp + 31) * SEC))).toMatchObject({ valid: false, reason: 'expired' })
  })

  it('finds only the exact string: a tampered copy of a cached token is invalid', async () => {
    const at = await tokens({ cacheSize: 100 })
    const { token } = await at.issue({ userId: uid, sessionId: sid, roles: [] }, NOW)
    expect((await at.verify(token, NOW)).valid).toBe(true)
    const [h, p, s] = token.split('.') as [string, string, string]
    const forgedPayload = b64(claims({ sub: 'admin' }))
    const last = s.at(-1) ?? 'A'
    // The last character of a 32-byte signature has two unused bits; a copy differing there decodes
    // to the same bytes and must still be refused.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const sameBytes = alphabet[alphabet.indexOf(last) ^ 1] ?? 'A'
    for (const copy of [
      flip(token, token.length - 10),
      `${h}.${forgedPayload}.${s}`,
      `${h}.${p}.${s.slice(0, -1)}${sameBytes}`,
      `${token}A`,
      `${h}.${p}`,
    ]) {
      expect(await at.verify(copy, NOW)).toEqual(INVALID)
    }
    expect((await at.verify(token, NOW)).valid).toBe(true)
  })

  it('is bounded and still answers correctly past its bound', async () => {
    const verify = vi.spyOn(crypto.subtle, 'verify')
    const bounded = await tokens({ cacheSize: 2 })
    const roomy = await tokens({ cacheSize: 100 })
    for (const at of [bounded, roomy]) {
      const issued = await Promise.all(
        ['u1', 'u2', 'u3'].map((u) => at.issue({ userId: u as UserId, sessionId: sid, roles: [] }, NOW)),
      )
      for (const { token } of issued) expect((await at.verify(token, NOW)).valid).toBe(true)
      verify.mockClear()
      for (const [i, { token }] of issued.entries()) {
        expect(await at.verify(token, NOW)).toMatchObject({ valid: true, claims: { sub: `u${i + 1}` } })
      }
      const recomputed = verify.mock.calls.length
      if (at === bounded) expect(recomputed).toBeGreaterThanOrEqual(1)
      else expect(recomputed).toBe(0)
      for (const { token } of issued) {
        expect(await at.verify(token, instant((NOW_S + 700) * SEC))).toMatchObject({ valid: false, reason: 'expired' })
      }
    }
  })
})

describe('keys are imported once', () => {
  it('imports no key while issuing or verifying access and refresh tokens', async () => {
    const at = tokens()
    const rt = createRefreshTokens(SECRET)
    // The factories are synchronous: their one import each started at creation. Let it finish
    // (HKDF derives in a second step), then no issue or verification may import anything.
    await Promise.all([at.issue({ userId: uid, sessionId: sid, roles: [] }, NOW), rt.issue(refreshSid, generation(0))])
    const importKey = vi.spyOn(crypto.subtle, 'importKey')
    const deriveKey = vi.spyOn(crypto.subtle, 'deriveKey')
    for (let i = 0; i < 3; i++) {
      const { token } = await at.issue({ userId: uid, sessionId: sid, roles: [] }, NOW)
      expect((await at.verify(token, NOW)).valid).toBe(true)
      expect(await at.verify(flip(token, token.length - 10), NOW)).toEqual(INVALID)
      const refresh = await rt.issue(refreshSid, generation(i))
      expect(await rt.open(refresh)).toEqual({ sessionId: refreshSid, generation: i })
    }
    expect(importKey).not.toHaveBeenCalled()
    expect(deriveKey).not.toHaveBeenCalled()
  })

  it('would notice an import (the spy works)', async () => {
    const importKey = vi.spyOn(crypto.subtle, 'importKey')
    await tokens()
    expect(importKey).toHaveBeenCalled()
  })
})

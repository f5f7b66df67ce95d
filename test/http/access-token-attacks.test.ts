import { beforeEach, describe, expect, it } from 'vitest'
import type { TestApp } from '../support/app-harness.js'
import { TEST_SECRET, WRONG_SECRET } from '../support/constants.js'
import {
  b64url,
  bodyOf,
  claimsAt,
  cookieHeader,
  expectProblem,
  forgeJwt,
  hmac,
  refreshWith,
  SEC,
  setsCookies,
  setup,
  signedIn,
} from './helpers.js'

const HS256 = { alg: 'HS256', typ: 'JWT' }

/**
 * Tokens built by hand with the test secret, so the signature is good and only the thing under
 * test is wrong. Each must be a 401 whether it comes as a cookie (beside a valid refresh cookie,
 * which must not be used) or as a Bearer token, and must never be echoed.
 */
describe('access token attacks', () => {
  let t: TestApp
  let userId: string
  let sessionId: string
  let refresh: string
  let now: number

  beforeEach(async () => {
    t = await setup()
    const who = await signedIn(t, 'ada@example.com')
    userId = who.userId
    sessionId = who.sessionId
    refresh = who.client.jar.get('refresh_token') ?? ''
    now = t.clock.now()
  })

  const claims = () => claimsAt(now, userId, sessionId)

  async function expectRejected(token: string): Promise<void> {
    const viaCookie = await t.app.request('/session', {
      headers: { cookie: cookieHeader({ access_token: token, refresh_token: refresh }) },
    })
    const text = await viaCookie.clone().text()
    await expectProblem(viaCookie, 401, 'unauthorized')
    expect(setsCookies(viaCookie)).toBe(false)
    if (token.length > 8) expect(text).not.toContain(token)
    const viaBearer = await t.app.request('/profile', { headers: { authorization: `Bearer ${token}` } })
    await expectProblem(viaBearer, 401, 'unauthorized')
  }

  async function expectAccepted(token: string): Promise<void> {
    const res = await t.app.request('/session', { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(200)
    expect(await bodyOf(res)).toMatchObject({ userId, sessionId })
  }

  /** Past the grace window, the refresh token still rotates: nothing used it. */
  async function expectNothingRotated(): Promise<void> {
    t.clock.advance(t.deps.policy.refreshReuseGrace + 1)
    expect((await refreshWith(t, refresh)).status).toBe(200)
  }

  it('accepts a hand-made token with the right key, algorithm and claims (the baseline)', async () => {
    await expectAccepted(await forgeJwt(HS256, claims()))
    await expectAccepted(await forgeJwt({ alg: 'HS256' }, claims()))
  })

  describe('algorithm', () => {
    it.each(['none', 'None', 'NONE', 'nOnE', 'none ', ''])(
      'refuses alg %j with or without a signature',
      async (alg) => {
        const header = { alg, typ: 'JWT' }
        await expectRejected(await forgeJwt(header, claims(), { signature: '' }))
        await expectRejected(await forgeJwt(header, claims()))
        await expectNothingRotated()
      },
    )

    it.each([
      ['HS384', 'SHA-384'],
      ['HS512', 'SHA-512'],
    ] as const)('refuses %s even when signed with the right secret', async (alg, hash) => {
      await expectRejected(await forgeJwt({ alg, typ: 'JWT' }, claims(), { hash }))
      await expectRejected(await forgeJwt({ alg, typ: 'JWT' }, claims()))
      await expectNothingRotated()
    })

    it.each(['RS256', 'ES256', 'PS256', 'EdDSA', 'hs256', 'HS256 '])(
      'refuses alg %s (no key confusion with the HMAC secret)',
      async (alg) => {
        await expectRejected(await forgeJwt({ alg, typ: 'JWT' }, claims()))
      },
    )

    it('refuses a missing, null or non-string alg', async () => {
      await expectRejected(await forgeJwt({ typ: 'JWT' }, claims()))
      await expectRejected(await forgeJwt({ alg: null, typ: 'JWT' }, claims()))
      await expectRejected(await forgeJwt({ alg: 256, typ: 'JWT' }, claims()))
      await expectRejected(await forgeJwt({ alg: ['HS256'], typ: 'JWT' }, claims()))
      await expectNothingRotated()
    })

    it('refuses a crit header', async () => {
      await expectRejected(await forgeJwt({ ...HS256, crit: ['exp'] }, claims()))
      await expectRejected(await forgeJwt({ ...HS256, crit: [] }, claims()))
    })

    it('ignores jku, x5u and jwk: the key never comes from the token', async () => {
      const attackerKey = 'attacker-key-0123456789abcdefghijklmnop'
      const jwk = { kty: 'oct', k: b64url(attackerKey) }
      await expectRejected(await forgeJwt({ ...HS256, jwk }, claims(), { secret: attackerKey }))
      await expectRejected(
        await forgeJwt({ ...HS256, jku: 'https://evil.example/jwks' }, claims(), { secret: attackerKey }),
      )
      await expectRejected(
        await forgeJwt({ ...HS256, x5u: 'https://evil.example/cert' }, claims(), { secret: attackerKey }),
      )
      await expectRejected(await forgeJwt({ ...HS256, kid: 'attacker' }, claims(), { secret: attackerKey }))
    })
  })

  describe('claims', () => {
    it.each([
      ['a string', '"9999999999"'],
      ['true', 'true'],
      ['1e309 (Infinity)', '1e309'],
      ['-1e309', '-1e309'],
      ['0', '0'],
      ['null', 'null'],
      ['an object', '{}'],
    ])('refuses exp as %s', async (_label, exp) => {
      const c = claims()
      await expectRejected(await forgeJwt(HS256, `{"sub":"${c.sub}","sid":"${c.sid}","iat":${c.iat},"exp":${exp}}`))
    })

    it('refuses a token without exp', async () => {
      const { exp: _exp, ...rest } = claims()
      await expectRejected(await forgeJwt(HS256, rest))
      await expectNothingRotated()
    })

    it.each([
      ['iat missing', { iat: undefined }],
      ['iat a string', { iat: '0' }],
      ['iat Infinity', { iat: '1e309' }],
      ['sub missing', { sub: undefined }],
      ['sub a number', { sub: 42 }],
      ['sub empty', { sub: '' }],
      ['sub an array', { sub: ['x'] }],
      ['sid missing', { sid: undefined }],
      ['sid a number', { sid: 7 }],
      ['sid null', { sid: null }],
    ])('refuses %s', async (_label, patch) => {
      const payload: Record<string, unknown> = { ...claims() }
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined) delete payload[k]
        else payload[k] = v
      }
      // `1e309` has to be written by hand: JSON.stringify turns Infinity into null.
      const text = JSON.stringify(payload).replace('"1e309"', '1e309')
      await expectRejected(await forgeJwt(HS256, text))
    })

    it('honours a 30 s leeway on nbf and iat, and refuses them beyond it', async () => {
      const c = claims()
      await expectAccepted(await forgeJwt(HS256, { ...c, nbf: c.iat + 29 }))
      await expectRejected(await forgeJwt(HS256, { ...c, nbf: c.iat + 31 }))
      await expectRejected(await forgeJwt(HS256, { ...c, nbf: c.iat + 3600 }))
      await expectRejected(await forgeJwt(HS256, { ...c, nbf: String(c.iat) }))
      await expectAccepted(await forgeJwt(HS256, { ...c, iat: c.iat + 29 }))
      await expectRejected(await forgeJwt(HS256, { ...c, iat: c.iat + 31, exp: c.exp + 31 }))
      await expectNothingRotated()
    })

    it('honours a 30 s leeway on exp: 29 s late is valid with nothing refreshed, 31 s late is expired', async () => {
      const c = claims()
      const late29 = await forgeJwt(HS256, { ...c, iat: c.iat - 629, exp: c.iat - 29 })
      const res = await t.app.request('/session', {
        headers: { cookie: cookieHeader({ access_token: late29, refresh_token: refresh }) },
      })
      expect(res.status).toBe(200)
      expect(setsCookies(res)).toBe(false)

      const late31 = await forgeJwt(HS256, { ...c, iat: c.iat - 631, exp: c.iat - 31 })
      await expectProblem(
        await t.app.request('/session', { headers: { authorization: `Bearer ${late31}` } }),
        401,
        'unauthorized',
      )
      // Expired (not invalid): with the refresh cookie it is refreshed.
      const refreshed = await t.app.request('/session', {
        headers: { cookie: cookieHeader({ access_token: late31, refresh_token: refresh }) },
      })
      expect(refreshed.status).toBe(200)
      expect(setsCookies(refreshed)).toBe(true)
    })

    it('honours the leeway on a real token by the fake clock', async () => {
      const { client } = await signedIn(t, 'bob@example.com')
      t.clock.advance((600 + 29) * SEC)
      const within = await client.request('/session')
      expect(within.status).toBe(200)
      expect(setsCookies(within)).toBe(false)
      t.clock.advance(2 * SEC)
      const beyond = await client.request('/session')
      expect(beyond.status).toBe(200)
      expect(setsCookies(beyond)).toBe(true)
    })
  })

  describe('shape', () => {
    it('refuses two or four segments, and empty or junk tokens', async () => {
      const good = await forgeJwt(HS256, claims())
      const [h, p, s] = good.split('.')
      for (const token of [
        `${h}.${p}`,
        `${h}.${p}.${s}.${s}`,
        `${h}.${p}.${s}.`,
        `.${h}.${p}.${s}`,
        'a',
        'a.b.c',
        '...',
      ]) {
        await expectRejected(token)
      }
      await expectNothingRotated()
    })

    it.each(['null', '[]', '42', '"HS256"', 'true', '{', '[{"alg":"HS256"}]'])(
      'refuses a header that is not a JSON object: %s',
      async (header) => {
        await expectRejected(await forgeJwt(header, claims()))
      },
    )

    it.each(['null', '[]', '42', '"x"', 'true', '{', `[${JSON.stringify({ sub: 'u', sid: 's', iat: 1, exp: 9e9 })}]`])(
      'refuses a payload that is not a JSON object: %s',
      async (payload) => {
        await expectRejected(await forgeJwt(HS256, payload))
      },
    )

    it('refuses segments that are not base64url or not UTF-8', async () => {
      const c = claims()
      const input = `${b64url(JSON.stringify(HS256))}.${b64url(new Uint8Array([0xff, 0xfe, 0x7b]))}`
      await expectRejected(`${input}.${await hmac('SHA-256', TEST_SECRET, input)}`)
      const padded = `${b64url(JSON.stringify(HS256))}=.${b64url(JSON.stringify(c))}`
      await expectRejected(`${padded}.${await hmac('SHA-256', TEST_SECRET, padded)}`)
    })
  })

  describe('signature', () => {
    it('refuses a tampered signature or payload', async () => {
      const good = await forgeJwt(HS256, claims())
      const [h, p, s = ''] = good.split('.')
      await expectRejected(`${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`)
      const other = b64url(JSON.stringify({ ...claims(), sub: 'someone-else' }))
      await expectRejected(`${h}.${other}.${s}`)
      await expectRejected(await forgeJwt(HS256, claims(), { secret: WRONG_SECRET }))
      await expectNothingRotated()
    })

    it('answers an expired token with a bad signature with a plain 401 and no refresh attempted', async () => {
      const old = claimsAt(now - 3600 * SEC, userId, sessionId)
      await expectRejected(await forgeJwt(HS256, old, { secret: WRONG_SECRET }))
      await expectNothingRotated()
    })
  })

  describe('Authorization header', () => {
    it('must be exactly "Bearer <token>"', async () => {
      const good = await forgeJwt(HS256, claims())
      await expectAccepted(good)
      for (const header of [
        `Basic ${good}`,
        `Token ${good}`,
        `Bearer ${good} extra`,
        `Bearer  ${good}`,
        `Bearer ${good}, Bearer ${good}`,
        `Bearer ${good},`,
        `${good}`,
        'Bearer',
        'Bearer ',
      ]) {
        const res = await t.app.request('/session', { headers: { authorization: header } })
        await expectProblem(res, 401, 'unauthorized')
      }
    })

    it('is refused over 8 KiB, never a 500', async () => {
      const good = await forgeJwt(HS256, claims())
      const res = await t.app.request('/session', { headers: { authorization: `Bearer ${good}${'A'.repeat(9000)}` } })
      await expectProblem(res, 401, 'unauthorized')
      const big = await forgeJwt(HS256, { ...claims(), pad: 'x'.repeat(9000) })
      await expectProblem(
        await t.app.request('/session', { headers: { authorization: `Bearer ${big}` } }),
        401,
        'unauthorized',
      )
    })

    it('is a 401 when malformed, even beside valid cookies', async () => {
      const { client } = await signedIn(t, 'bob@example.com')
      const cookie = cookieHeader(Object.fromEntries(client.jar))
      const good = client.jar.get('access_token') ?? ''
      for (const authorization of [`Basic ${good}`, `Bearer ${good} extra`, `Bearer ${'A'.repeat(9000)}`]) {
        const res = await t.app.request('/session', { headers: { authorization, cookie } })
        await expectProblem(res, 401, 'unauthorized')
        expect(setsCookies(res)).toBe(false)
      }
    })
  })
})

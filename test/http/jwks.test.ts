import { Hono } from 'hono'
import { jwk } from 'hono/jwk'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AsymmetricAlg } from '../../src/adapters/crypto/signing-keys.js'
import type { Stores } from '../../src/application/ports.js'
import { makeTestApp, type TestApp, TestClient } from '../support/app-harness.js'
import { fakeClock } from '../support/fixtures.js'
import { makeKeyPair, type PemKeyPair } from '../support/key-pairs.js'
import { makeStores } from '../support/store-under-test.js'
import {
  b64url,
  bodyOf,
  expectProblem,
  forgeJwt,
  hostApp,
  jwtHeader,
  jwtPayload,
  MIN,
  post,
  signedIn,
} from './helpers.js'

// docs/http-contract.md, "Keys and tokens other services verify": EdDSA or ES256 access tokens
// under JWT_PRIVATE_KEY, JWT_PREVIOUS_PUBLIC_KEYS still verifying, the public keys at
// /.well-known/jwks.json, and another service verifying with nothing but Hono and that JWKS.

interface Jwks {
  keys: Array<Record<string, string>>
}

const jwksOf = async (t: TestApp): Promise<Jwks> =>
  (await bodyOf(await t.app.request('/.well-known/jwks.json'))) as unknown as Jwks

/** Another service: Hono's own `hono/jwk` middleware over our JWKS, and nothing of ours. */
function otherService(jwks: () => Promise<Jwks>, alg: AsymmetricAlg) {
  const app = new Hono()
  app.use('/orders', jwk({ keys: async () => (await jwks()).keys as never, alg: [alg], cookie: 'access_token' }))
  app.get('/orders', (c) => c.json({ for: (c.get('jwtPayload') as { sub: string }).sub }))
  return app
}

async function startWith(
  keys: PemKeyPair,
  previous: PemKeyPair[] = [],
  stores: Stores = makeStores(),
  clock = fakeClock(Date.now()),
) {
  return makeTestApp({
    stores,
    clock,
    accessKeys: {
      alg: keys.alg,
      privateKey: keys.privatePem,
      ...(previous.length > 0 && { previousPublicKeys: previous.map((p) => p.publicPem).join('') }),
    },
  })
}

/** A JWT signed with a configured private key, under any header. */
async function signWith(keys: PemKeyPair, header: object, payload: object): Promise<string> {
  const der = Uint8Array.from(atob(keys.privatePem.replace(/-----[^-]+-----|\s/g, '')), (c) => c.charCodeAt(0))
  const params = keys.alg === 'EdDSA' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' }
  const key = await crypto.subtle.importKey('pkcs8', der, params as EcKeyImportParams, false, ['sign'])
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`
  const sign = keys.alg === 'EdDSA' ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' }
  const signature = await crypto.subtle.sign(sign, key, new TextEncoder().encode(input))
  return `${input}.${b64url(new Uint8Array(signature))}`
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe.each(['EdDSA', 'ES256'] as const)('%s access tokens', (alg) => {
  it('are signed with the private key, name its kid, and work for every route', async () => {
    const t = await startWith(await makeKeyPair(alg))
    const { client, userId } = await signedIn(t, 'ada@example.com')
    const token = client.jar.get('access_token') ?? ''
    const { keys } = await jwksOf(t)
    expect(jwtHeader(token)).toEqual({ alg, typ: 'JWT', kid: keys[0]?.kid })
    expect(jwtPayload(token)).toMatchObject({ sub: userId, roles: [] })
    expect((await client.request('/profile')).status).toBe(200)
    t.clock.advance(11 * MIN)
    expect((await client.request('/profile')).status).toBe(200) // a transparent refresh, under the same key
    expect(jwtHeader(client.jar.get('access_token') ?? '').kid).toBe(keys[0]?.kid)
  })

  it('publishes the public key at /.well-known/jwks.json, cacheable, with no private part', async () => {
    const t = await startWith(await makeKeyPair(alg))
    const res = await t.app.request('/.well-known/jwks.json')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('public, max-age=300')
    expect(res.headers.get('vary')).toBe('Origin') // listed origins get CORS headers: one copy each
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    const { keys } = (await res.json()) as Jwks
    expect(keys).toHaveLength(1)
    const [key] = keys
    expect(key).toEqual(
      alg === 'EdDSA'
        ? { kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: expect.any(String), alg, use: 'sig' }
        : {
            kty: 'EC',
            crv: 'P-256',
            x: expect.any(String),
            y: expect.any(String),
            kid: expect.any(String),
            alg,
            use: 'sig',
          },
    )
    expect(JSON.stringify(keys)).not.toContain('"d"')
    expect(key?.kid).toMatch(/^[A-Za-z0-9_-]{43}$/) // an RFC 7638 SHA-256 thumbprint
  })

  it('are verified by another Hono app with hono/jwk from our JWKS alone', async () => {
    const t = await startWith(await makeKeyPair(alg))
    const { client, userId } = await signedIn(t, 'ada@example.com')
    const token = client.jar.get('access_token') ?? ''
    const other = otherService(() => jwksOf(t), alg)
    const byBearer = await other.request('/orders', { headers: { authorization: `Bearer ${token}` } })
    expect(byBearer.status).toBe(200)
    expect(await byBearer.json()).toEqual({ for: userId })
    expect((await other.request('/orders', { headers: { cookie: `access_token=${token}` } })).status).toBe(200)
    // A payload changed under the signature is refused there as here.
    const [h, , s] = token.split('.')
    const altered = `${h}.${b64url(JSON.stringify({ ...jwtPayload(token), roles: ['admin'] }))}.${s}`
    expect((await other.request('/orders', { headers: { authorization: `Bearer ${altered}` } })).status).toBe(401)
    await expectProblem(
      await t.app.request('/session', { headers: { authorization: `Bearer ${altered}` } }),
      401,
      'unauthorized',
    )
  })

  it('rotate without logouts: a previous public key still verifies its tokens, and removing it ends them', async () => {
    const stores = makeStores()
    const clock = fakeClock(Date.now())
    const first = await makeKeyPair(alg)
    const second = await makeKeyPair(alg)
    const underFirst = await startWith(first, [], stores, clock)
    const { client, sessionId } = await signedIn(underFirst, 'ada@example.com')
    const oldToken = client.jar.get('access_token') ?? ''
    const [firstKey] = (await jwksOf(underFirst)).keys

    const underSecond = await startWith(second, [first], stores, clock)
    const { keys } = await jwksOf(underSecond)
    expect(keys.map((k) => k.kid)).toEqual([expect.any(String), firstKey?.kid])
    expect(keys[0]?.kid).not.toBe(firstKey?.kid)
    const bearer = { headers: { authorization: `Bearer ${oldToken}` } }
    expect((await underSecond.app.request('/session', bearer)).status).toBe(200)
    expect((await otherService(() => jwksOf(underSecond), alg).request('/orders', bearer)).status).toBe(200)
    // The refresh token is a MAC under JWT_SECRET: it rotates into a token under the new key.
    const moved = new TestClient(underSecond.app)
    for (const [k, v] of client.jar) moved.jar.set(k, v)
    expect((await moved.request('/refresh', post())).status).toBe(200)
    expect(jwtHeader(moved.jar.get('access_token') ?? '').kid).toBe(keys[0]?.kid)

    const secondOnly = await startWith(second, [], stores, clock)
    await expectProblem(await secondOnly.app.request('/session', bearer), 401, 'unauthorized')
    expect(await stores.sessions.find(sessionId as never, clock.now())).not.toBeNull() // nothing revoked
  })

  it('refuse a kid that is unknown, or that names a previous key on a token the current key signed', async () => {
    const first = await makeKeyPair(alg)
    const second = await makeKeyPair(alg)
    const t = await startWith(second, [first])
    const { client } = await signedIn(t, 'ada@example.com')
    const claims = jwtPayload(client.jar.get('access_token') ?? '')
    const [currentKid, previousKid] = (await jwksOf(t)).keys.map((k) => k.kid)
    // Tokens the current private key really signs, with the header saying what the test chooses.
    const signedByCurrent = (header: object) => signWith(second, header, claims)
    const ask = async (header: object) =>
      t.app.request('/session', { headers: { authorization: `Bearer ${await signedByCurrent(header)}` } })
    expect((await ask({ alg, typ: 'JWT', kid: currentKid })).status).toBe(200) // the control
    await expectProblem(await ask({ alg, typ: 'JWT', kid: 'no-such-key' }), 401, 'unauthorized')
    await expectProblem(await ask({ alg, typ: 'JWT', kid: previousKid }), 401, 'unauthorized')
    // Only HS256 tokens from before `kid` go without one; an asymmetric token must name its key.
    await expectProblem(await ask({ alg, typ: 'JWT' }), 401, 'unauthorized')
  })

  it('never fetch or use a jku, x5u or jwk header, and refuse HS256 made with the public key', async () => {
    const t = await startWith(await makeKeyPair(alg))
    const { client, userId, sessionId } = await signedIn(t, 'ada@example.com')
    const token = client.jar.get('access_token') ?? ''
    const ours = (await jwksOf(t)).keys[0] as Record<string, string>
    const fetchSpy = vi.spyOn(globalThis, 'fetch')
    // An attacker's own key pair, named by the header in every way a header can name a key.
    const attacker = (await crypto.subtle.generateKey(
      (alg === 'EdDSA' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' }) as EcKeyGenParams,
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair
    const attackerJwk = await crypto.subtle.exportKey('jwk', attacker.publicKey)
    const claims = jwtPayload(token)
    for (const extra of [
      { jku: 'https://attacker.example/jwks.json' },
      { x5u: 'https://attacker.example/cert.pem' },
      { jwk: attackerJwk },
    ]) {
      const header = b64url(JSON.stringify({ alg, typ: 'JWT', kid: ours.kid, ...extra }))
      const payload = b64url(JSON.stringify({ ...claims, roles: ['admin'] }))
      const input = `${header}.${payload}`
      const params = alg === 'EdDSA' ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' }
      const sig = new Uint8Array(await crypto.subtle.sign(params, attacker.privateKey, new TextEncoder().encode(input)))
      await expectProblem(
        await t.app.request('/session', { headers: { authorization: `Bearer ${input}.${b64url(sig)}` } }),
        401,
        'unauthorized',
      )
    }
    // Algorithm confusion: HS256 with the public key's bytes as the secret, under our kid.
    const confused = await forgeJwt(
      { alg: 'HS256', typ: 'JWT', kid: ours.kid },
      { ...claims, sub: userId, sid: sessionId },
      { secret: ours.x as string },
    )
    await expectProblem(
      await t.app.request('/session', { headers: { authorization: `Bearer ${confused}` } }),
      401,
      'unauthorized',
    )
    expect(fetchSpy).not.toHaveBeenCalled()
  })
})

describe('the JWKS mounted in a host app', () => {
  it('is public and cacheable there too, while the other auth answers stay no-store', async () => {
    const t = await startWith(await makeKeyPair('EdDSA'))
    const { app: host } = hostApp(t, async (c, next) => {
      c.header('cache-control', 'private, max-age=60') // the host's own default
      await next()
    })
    const jwks = await host.request('/auth/.well-known/jwks.json')
    expect(jwks.status).toBe(200)
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=300')
    expect((await host.request('/auth/session')).headers.get('cache-control')).toBe('no-store')
  })
})

describe('the JWKS with HS256', () => {
  it('is a 404: an HMAC key has no public half', async () => {
    const t = await makeTestApp()
    await expectProblem(await t.app.request('/.well-known/jwks.json'), 404, 'not_found')
  })
})

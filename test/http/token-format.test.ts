import { describe, expect, it } from 'vitest'
import { createScryptHasher } from '../../src/adapters/crypto/scrypt-hasher.js'
import { createApp } from '../../src/adapters/http/app.js'
import { forwardedFor } from '../../src/adapters/http/config.js'
import type { SessionId } from '../../src/domain/session.js'
import type { UserId } from '../../src/domain/user.js'
import { buildDeps } from '../../src/service.js'
import { TEST_POLICY, TestClient } from '../support/app-harness.js'
import { SEC, TEST_SECRET } from '../support/constants.js'
import { fakeClock } from '../support/fixtures.js'
import { makeStores } from '../support/store-under-test.js'
import { bodyOf, claimsAt, forgeJwt, PASSWORD, post, setup, signedIn } from './helpers.js'

const decode = (segment: string): Record<string, unknown> =>
  JSON.parse(atob(segment.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>

/** The app as the harness builds it, with an issuer and an audience configured. */
async function setupWithIssuer(issuer: string, audience: string) {
  const stores = makeStores()
  const clock = fakeClock(Date.now())
  const deps = await buildDeps({
    stores,
    hasher: createScryptHasher({ params: { ln: 10, r: 8, p: 1 } }),
    secret: TEST_SECRET,
    policy: TEST_POLICY,
    clock,
    issuer,
    audience,
    log: { event() {} },
  })
  const app = createApp(deps, stores.health, {
    cookieSecure: false,
    allowedOrigins: [],
    clientIp: forwardedFor(() => '127.0.0.1'),
  })
  return { app, clock }
}

describe('token formats', () => {
  it('issues an HS256 JWT access token with sub, sid, roles, iat and exp = iat + ACCESS_TOKEN_TTL', async () => {
    const t = await setup()
    const { client, userId, sessionId } = await signedIn(t, 'ada@example.com')
    const [header = '', payload = '', signature = ''] = (client.jar.get('access_token') ?? '').split('.')
    expect(decode(header)).toMatchObject({ alg: 'HS256' })
    const claims = decode(payload)
    expect(claims).toEqual({ sub: userId, sid: sessionId, roles: [], iat: expect.any(Number), exp: expect.any(Number) })
    expect(claims.exp).toBe((claims.iat as number) + t.deps.policy.accessTokenTtl / SEC)
    expect(claims.iat).toBe(Math.floor(t.clock.now() / 1000))
    expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('issues an opaque refresh token, and the store keeps nothing it could be computed from', async () => {
    const t = await setup()
    const { client, userId, sessionId } = await signedIn(t, 'ada@example.com')
    const refresh = client.jar.get('refresh_token') ?? ''
    const mac = refresh.split('.').at(-1) ?? ''
    expect(() => decode(refresh.split('.')[0] ?? '')).toThrow()
    // 256 bits of MAC: 43 base64url characters.
    expect(mac).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const session = await t.stores.sessions.find(sessionId as SessionId, t.clock.now())
    const user = await t.stores.users.findById(userId as UserId)
    const dump = JSON.stringify([session, user, await t.stores.sessions.listForUser(userId as UserId, t.clock.now())])
    expect(dump).not.toContain(refresh)
    expect(dump).not.toContain(mac)
    expect(dump).not.toContain(client.jar.get('access_token'))
    expect(dump).not.toContain(PASSWORD)
  })

  it('adds iss and aud when configured, and refuses tokens without them or with others', async () => {
    const { app, clock } = await setupWithIssuer('https://auth.example.com', 'example-api')
    const client = new TestClient(app)
    await client.request('/register', post({ email: 'ada@example.com', password: PASSWORD }))
    expect((await client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))).status).toBe(200)
    const claims = decode((client.jar.get('access_token') ?? '').split('.')[1] ?? '')
    expect(claims).toMatchObject({ iss: 'https://auth.example.com', aud: 'example-api' })
    const who = await bodyOf(await client.request('/session'))

    const base = claimsAt(clock.now(), who.userId as string, who.sessionId as string)
    const bearer = async (payload: object) =>
      (
        await app.request('/session', {
          headers: { authorization: `Bearer ${await forgeJwt({ alg: 'HS256', typ: 'JWT' }, payload)}` },
        })
      ).status
    expect(await bearer({ ...base, iss: 'https://auth.example.com', aud: 'example-api' })).toBe(200)
    expect(await bearer(base)).toBe(401)
    expect(await bearer({ ...base, iss: 'https://evil.example', aud: 'example-api' })).toBe(401)
    expect(await bearer({ ...base, iss: 'https://auth.example.com', aud: 'other-api' })).toBe(401)
    expect(await bearer({ ...base, iss: 'https://auth.example.com' })).toBe(401)
  })
})

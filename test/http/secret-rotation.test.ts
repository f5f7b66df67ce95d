import { describe, expect, it } from 'vitest'
import type { Stores } from '../../src/application/ports.js'
import { makeTestApp, type TestApp, TestClient } from '../support/app-harness.js'
import { fakeClock } from '../support/fixtures.js'
import { makeStores } from '../support/store-under-test.js'
import { alive, bodyOf, expectProblem, jwtHeader, logIn, PASSWORD, post, SEC, signedIn } from './helpers.js'

// docs/http-contract.md, "Rotating the secret": JWT_SECRET signs, JWT_PREVIOUS_SECRETS still
// verify. Each app below is a restart of the service over the same store, with other secrets.

const A = 'secret-A-0123456789abcdefghijklmnopqrstuvwxyz'
const B = 'secret-B-0123456789abcdefghijklmnopqrstuvwxyz'

/** The same client's cookies against another app (the restarted service). */
function moved(client: TestClient, app: TestApp): TestClient {
  const next = new TestClient(app.app)
  for (const [k, v] of client.jar) next.jar.set(k, v)
  return next
}

async function restartsOver(stores: Stores) {
  const clock = fakeClock(Date.now())
  const start = (secret: string, previousSecrets?: string[]) =>
    makeTestApp({ stores, clock, secret, ...(previousSecrets && { previousSecrets }) })
  return { clock, start }
}

describe('rotating JWT_SECRET', () => {
  it('logs nobody out: under B with A previous, A’s access token, refresh token and a transparent refresh all work', async () => {
    const { clock, start } = await restartsOver(makeStores())
    const underA = await start(A)
    const { client } = await signedIn(underA, 'ada@example.com')
    const kidA = jwtHeader(client.jar.get('access_token') ?? '').kid
    expect(kidA).toMatch(/^[A-Za-z0-9_-]{16}$/)
    const { client: second } = await logIn(underA, 'ada@example.com')

    const underB = await start(B, [A])
    // The access token A signed still authorizes.
    const asBefore = moved(client, underB)
    expect((await asBefore.request('/session')).status).toBe(200)
    // Its refresh token rotates into tokens under B.
    const refreshed = moved(client, underB)
    expect((await refreshed.request('/refresh', post())).status).toBe(200)
    const kidB = jwtHeader(refreshed.jar.get('access_token') ?? '').kid
    expect(kidB).toMatch(/^[A-Za-z0-9_-]{16}$/)
    expect(kidB).not.toBe(kidA)
    expect((await refreshed.request('/profile')).status).toBe(200)
    // Once A's access token has expired (past the 30 s leeway), a request with a pair A made
    // (another session's: this one's first token was rotated above) refreshes transparently.
    clock.advance(631 * SEC)
    const transparent = moved(second, underB)
    const res = await transparent.request('/profile')
    expect(res.status).toBe(200)
    expect(jwtHeader(transparent.jar.get('access_token') ?? '').kid).toBe(kidB)
  })

  it('removing a secret ends its tokens: a plain 401 that revokes nothing', async () => {
    const stores = makeStores()
    const { start } = await restartsOver(stores)
    const underA = await start(A)
    const { client, sessionId } = await signedIn(underA, 'ada@example.com')

    const onlyB = await start(B)
    const stale = moved(client, onlyB)
    await expectProblem(await stale.request('/session'), 401, 'unauthorized')
    await expectProblem(await moved(client, onlyB).request('/refresh', post()), 401, 'unauthorized')
    // The session is untouched: put A back and the same cookies work again.
    expect(await alive(onlyB, sessionId)).toBe(true)
    const backToA = await start(A)
    expect((await moved(client, backToA).request('/session')).status).toBe(200)
    // And logging in under B works as ever.
    const fresh = new TestClient(onlyB.app)
    expect((await fresh.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))).status).toBe(200)
  })

  it('refuses a token whose kid names a previous key but which the current key signed', async () => {
    const stores = makeStores()
    const { start } = await restartsOver(stores)
    const underA = await start(A)
    const { client: a } = await signedIn(underA, 'ada@example.com')
    const kidA = String(jwtHeader(a.jar.get('access_token') ?? '').kid)
    const underB = await start(B, [A])
    const b = await signedIn(underB, 'grace@example.com')
    const token = b.client.jar.get('access_token') ?? ''
    const [, payload, signature] = token.split('.')
    const header = btoa(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: kidA })).replace(/=+$/, '')
    const forged = `${header.replaceAll('+', '-').replaceAll('/', '_')}.${payload}.${signature}`
    const res = await underB.app.request('/session', { headers: { authorization: `Bearer ${forged}` } })
    await expectProblem(res, 401, 'unauthorized')
  })

  it('answers an unknown kid with 401, and never fetches a jku, x5u or jwk header', async () => {
    const t = await makeTestApp()
    const { client } = await signedIn(t, 'ada@example.com')
    const token = client.jar.get('access_token') ?? ''
    const [, payload, signature] = token.split('.')
    const b64 = (v: object) => btoa(JSON.stringify(v)).replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_')
    const kid = jwtHeader(token).kid
    const fetched: string[] = []
    const realFetch = globalThis.fetch
    globalThis.fetch = (async (input: RequestInfo | URL) => {
      fetched.push(String(input))
      return new Response('{}')
    }) as typeof fetch
    try {
      for (const header of [
        { alg: 'HS256', typ: 'JWT', kid: 'AAAAAAAAAAAAAAAA' },
        { alg: 'HS256', typ: 'JWT', kid: 42 },
        { alg: 'HS256', typ: 'JWT', kid, jku: 'https://attacker.example/jwks.json' },
        { alg: 'HS256', typ: 'JWT', kid, x5u: 'https://attacker.example/cert.pem' },
        { alg: 'HS256', typ: 'JWT', kid, jwk: { kty: 'oct', k: 'AAAA' } },
      ]) {
        const res = await t.app.request('/session', {
          headers: { authorization: `Bearer ${b64(header)}.${payload}.${signature}` },
        })
        // A changed header changes what was signed: every one of these is refused.
        await expectProblem(res, 401, 'unauthorized')
      }
    } finally {
      globalThis.fetch = realFetch
    }
    expect(fetched).toEqual([])
    // The real token still works: nothing above revoked anything.
    expect((await t.app.request('/session', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
    expect((await bodyOf(await client.request('/session'))).userId).toBeDefined()
  })
})

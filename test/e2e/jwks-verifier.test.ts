import { Hono } from 'hono'
import { jwk } from 'hono/jwk'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { PASSWORD } from '../support/constants.js'
import { makeKeyPair } from '../support/key-pairs.js'
import { failedStart, type NodeService, startNodeService } from '../support/node-process.js'

// The done-when of issue 11: a separate Hono app verifies our EdDSA tokens from our JWKS, fetched
// over real HTTP from the real Node service, with `hono/jwk` and nothing of ours.

const SECRET = 'e2e-jwks-secret-0123456789abcdefghijklmnopqrstuvwxyz'

describe('another service verifying our EdDSA tokens', () => {
  let service: NodeService

  beforeAll(async () => {
    const keys = await makeKeyPair('EdDSA')
    // One line with `\n` escapes, as an env file or a dashboard keeps it.
    service = await startNodeService({
      JWT_SECRET: SECRET,
      ACCESS_TOKEN_ALG: 'EdDSA',
      JWT_PRIVATE_KEY: keys.privatePem.replaceAll('\n', '\\n'),
    })
  })
  afterAll(async () => {
    if (service.child.exitCode === null) await service.stop()
  })

  it('fetches /.well-known/jwks.json and accepts the access token, refusing others', async () => {
    onTestFailed(() => console.error(`[the server's output]\n${service.output()}`))
    const json = { 'content-type': 'application/json' }
    const credentials = JSON.stringify({ email: 'jwks@example.com', password: PASSWORD })
    expect((await fetch(`${service.url}/register`, { method: 'POST', headers: json, body: credentials })).status).toBe(
      201,
    )
    const login = await fetch(`${service.url}/login`, { method: 'POST', headers: json, body: credentials })
    expect(login.status).toBe(200)
    const access = login.headers
      .getSetCookie()
      .map((c) => /^access_token=([^;]+)/.exec(c)?.[1])
      .find(Boolean)
    expect(access).toBeDefined()
    const { user } = (await login.json()) as { user: { id: string } }

    const other = new Hono()
    other.use('/orders', jwk({ jwks_uri: `${service.url}/.well-known/jwks.json`, alg: ['EdDSA'] }))
    other.get('/orders', (c) => c.json({ for: (c.get('jwtPayload') as { sub: string }).sub }))
    const ok = await other.request('/orders', { headers: { authorization: `Bearer ${access}` } })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ for: user.id })
    const forged = `${access?.slice(0, -4)}AAAA`
    expect((await other.request('/orders', { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401)

    const jwks = await fetch(`${service.url}/.well-known/jwks.json`)
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=300')
  })

  it('refuses to start with a key of the other algorithm, never printing it', async () => {
    const p256 = await makeKeyPair('ES256')
    const { code, output } = await failedStart({
      JWT_SECRET: SECRET,
      ACCESS_TOKEN_ALG: 'EdDSA',
      JWT_PRIVATE_KEY: p256.privatePem,
    })
    expect(code).not.toBe(0)
    expect(output).toContain('JWT_PRIVATE_KEY is not an Ed25519 private key')
    expect(output).not.toContain(p256.privatePem.split('\n')[1])
  })
})

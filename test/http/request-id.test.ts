import { describe, expect, it } from 'vitest'
import { TestClient } from '../support/app-harness.js'
import { logIn, PASSWORD, post, setup, signedIn } from './helpers.js'

/** The ids `securityHeaders` makes: a random prefix per instance and a counter. */
const MADE_HERE = /^[0-9a-f]{8}-[0-9a-z]+$/
const EVIL = 'https://evil.example'

describe('X-Request-Id', () => {
  it('ignores an incoming id without TRUST_PROXY: every answer carries one made here', async () => {
    const t = await setup()
    for (const path of ['/health', '/session', '/no-such-path']) {
      const res = await t.app.request(path, { headers: { 'x-request-id': 'from-a-client-123' } })
      expect(res.headers.get('x-request-id'), path).toMatch(MADE_HERE)
    }
  })

  it('keeps a well-formed incoming id with TRUST_PROXY, on successes and problems alike', async () => {
    const t = await setup({ config: { trustProxy: true } })
    const ids = ['0af7651916cd43dd8448eb211c80319c', 'req_01HZX.9:a=b+c/d', 'a'.repeat(128)]
    for (const [i, path] of ['/health', '/session', '/no-such-path'].entries()) {
      const id = ids[i] as string
      const res = await t.app.request(path, { headers: { 'x-request-id': id } })
      expect(res.headers.get('x-request-id'), path).toBe(id)
    }
    // Without one, the proxy's absence is no reason not to have an id.
    expect((await t.app.request('/health')).headers.get('x-request-id')).toMatch(MADE_HERE)
  })

  it.each([
    ['too long', 'a'.repeat(129)],
    ['empty', ''],
    ['a space', 'two words'],
    ['a quote', 'say"hi'],
    ['a comma (two headers joined)', 'one, two'],
    ['a semicolon', 'a;b'],
    ['markup', '<script>'],
    ['a tab', 'a\tb'],
  ])('replaces an incoming id with %s, even with TRUST_PROXY', async (_, id) => {
    const t = await setup({ config: { trustProxy: true } })
    const res = await t.app.request('/health', { headers: { 'x-request-id': id } })
    expect(res.headers.get('x-request-id')).toMatch(MADE_HERE)
  })
})

describe('the request id in security events', () => {
  it('is the answer’s id in an event the HTTP layer writes (cross-site refusal)', async () => {
    const t = await setup()
    const res = await t.app.request('/logout', { method: 'POST', headers: { origin: EVIL } })
    expect(res.status).toBe(403)
    const [event] = t.events.filter((e) => e.name === 'csrf_rejected')
    expect(event?.fields.requestId).toBe(res.headers.get('x-request-id'))
  })

  it('is the answer’s id in the events of a use case run by requireAuth (a transparent refresh)', async () => {
    const t = await setup()
    const { client } = await signedIn(t, 'ada@example.com')
    client.jar.delete('access_token')
    const res = await client.request('/profile')
    expect(res.status).toBe(200)
    const refreshes = t.events.filter((e) => e.name === 'refresh')
    expect(refreshes.map((e) => e.fields.requestId)).toEqual([res.headers.get('x-request-id')])
  })

  it('is the answer’s id in the events of register, login, refresh, logout-all, DELETE /sessions/:id and logout', async () => {
    const t = await setup()
    const client = new TestClient(t.app)
    const events = async (res: Response, name: string) => {
      const id = res.headers.get('x-request-id')
      expect(id, name).toMatch(MADE_HERE)
      const named = t.events.filter((e) => e.name === name)
      expect(named.length, name).toBeGreaterThan(0)
      expect(named.at(-1)?.fields.requestId, name).toBe(id)
    }
    const account = { email: 'ids@example.com', password: PASSWORD }
    await events(await client.request('/register', post(account)), 'register')
    await events(await client.request('/login', post(account)), 'login_success')
    await events(await client.request('/login', post({ ...account, password: 'not the password' })), 'login_failure')
    await events(await client.request('/refresh', { method: 'POST' }), 'refresh')
    const other = await logIn(t, account.email)
    await events(await client.request(`/sessions/${other.sessionId}`, { method: 'DELETE' }), 'session_revoked')
    await logIn(t, account.email)
    await events(await client.request('/logout-all', { method: 'POST' }), 'logout_all')
    const again = await logIn(t, account.email)
    await events(await again.client.request('/logout', { method: 'POST' }), 'logout')
  })

  it('is the proxy’s id with TRUST_PROXY', async () => {
    const t = await setup({ config: { trustProxy: true } })
    await t.client.request('/register', post({ email: 'x@example.com' }, { origin: EVIL, 'x-request-id': 'edge-42' }))
    expect(t.events.filter((e) => e.name === 'csrf_rejected').map((e) => e.fields.requestId)).toEqual(['edge-42'])
  })
})

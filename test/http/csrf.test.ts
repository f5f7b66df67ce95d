import { describe, expect, it } from 'vitest'
import type { Email } from '../../src/domain/email.js'
import type { UserId } from '../../src/domain/user.js'
import { TestClient } from '../support/app-harness.js'
import { expectProblem, PASSWORD, post, setsCookies, setup, signedIn } from './helpers.js'

const OWN = 'http://localhost'
const EVIL = 'https://evil.example'

describe('cross-site requests', () => {
  it('refuses Sec-Fetch-Site: cross-site with 403 forbidden_origin before any work', async () => {
    const t = await setup()
    const res = await t.client.request(
      '/register',
      post({ email: 'csrf@example.com', password: PASSWORD }, { 'sec-fetch-site': 'cross-site' }),
    )
    await expectProblem(res, 403, 'forbidden_origin')
    expect(await t.stores.users.findByEmail('csrf@example.com' as Email)).toBeNull()
    // Even with its own Origin beside it.
    await expectProblem(
      await t.client.request(
        '/register',
        post({ email: 'csrf@example.com', password: PASSWORD }, { 'sec-fetch-site': 'cross-site', origin: OWN }),
      ),
      403,
      'forbidden_origin',
    )
  })

  it.each([
    EVIL,
    'null',
    'http://localhost:8080',
    'https://localhost',
    'http://localhost.evil.example',
    'http://evil.localhost',
  ])('refuses a foreign Origin (%s) with 403', async (origin) => {
    const t = await setup()
    await expectProblem(
      await t.client.request('/register', post({ email: 'o@example.com', password: PASSWORD }, { origin })),
      403,
      'forbidden_origin',
    )
    expect(await t.stores.users.findByEmail('o@example.com' as Email)).toBeNull()
  })

  it('guards every state-changing route, and does nothing there', async () => {
    const t = await setup()
    const { client, sessionId, userId } = await signedIn(t, 'ada@example.com')
    const other = await signedIn(t, 'ada@example.com')
    const headers = { origin: EVIL }
    const attempts: Array<[string, RequestInit & { json?: unknown }]> = [
      ['/login', post({ email: 'ada@example.com', password: PASSWORD }, headers)],
      ['/refresh', { method: 'POST', headers }],
      ['/logout', { method: 'POST', headers }],
      ['/logout-all', { method: 'POST', headers }],
      ['/profile', post({ name: 'Mallory' }, headers)],
      [`/sessions/${other.sessionId}`, { method: 'DELETE', headers }],
      ['/profile', { method: 'PUT', headers }],
      ['/profile', { method: 'PATCH', headers }],
    ]
    const before = new Map(client.jar)
    for (const [path, init] of attempts) {
      const res = await client.request(path, init)
      await expectProblem(res, 403, 'forbidden_origin')
      expect(setsCookies(res)).toBe(false)
    }
    expect(client.jar).toEqual(before)
    const sessions = await t.stores.sessions.listForUser(userId as UserId, t.clock.now())
    expect(sessions.map((s) => s.id).sort()).toEqual([sessionId, other.sessionId].sort())
    expect(sessions.every((s) => s.generation === 0)).toBe(true)
    const profile = (await (await client.request('/profile')).json()) as { user: { name: unknown } }
    expect(profile.user.name).toBeNull()
  })

  it('lets a login with the right password through only when same-site: no session is made cross-site', async () => {
    const t = await setup()
    const { userId } = await signedIn(t, 'ada@example.com')
    const res = await new TestClient(t.app).request(
      '/login',
      post({ email: 'ada@example.com', password: PASSWORD }, { 'sec-fetch-site': 'cross-site' }),
    )
    await expectProblem(res, 403, 'forbidden_origin')
    expect(await t.stores.sessions.listForUser(userId as UserId, t.clock.now())).toHaveLength(1)
  })

  it.each([
    ['its own origin (the request URL)', { origin: OWN }],
    ['Sec-Fetch-Site: same-origin', { 'sec-fetch-site': 'same-origin' }],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
    ['Sec-Fetch-Site: none', { 'sec-fetch-site': 'none' }],
    ['same-origin with its Origin', { 'sec-fetch-site': 'same-origin', origin: OWN }],
    ['neither header (a non-browser client)', {}],
  ])('lets through %s', async (_label, headers) => {
    const t = await setup()
    const res = await t.client.request('/register', post({ email: 'ok@example.com', password: PASSWORD }, headers))
    expect(res.status).toBe(201)
  })

  it('takes config.publicOrigin as the service’s own origin when set', async () => {
    const t = await setup({ config: { publicOrigin: 'https://auth.example.com' } })
    const ok = await t.client.request(
      '/register',
      post({ email: 'p1@example.com', password: PASSWORD }, { origin: 'https://auth.example.com' }),
    )
    expect(ok.status).toBe(201)
    // Behind a proxy the request URL is internal; it is not the public origin.
    await expectProblem(
      await t.client.request('/register', post({ email: 'p2@example.com', password: PASSWORD }, { origin: OWN })),
      403,
      'forbidden_origin',
    )
  })

  it('lets through config.allowedOrigins and nothing else', async () => {
    const t = await setup({ config: { allowedOrigins: ['https://app.example.com', 'https://admin.example.com'] } })
    for (const [i, origin] of ['https://app.example.com', 'https://admin.example.com', OWN].entries()) {
      const res = await t.client.request(
        '/register',
        post({ email: `a${i}@example.com`, password: PASSWORD }, { origin }),
      )
      expect(res.status, origin).toBe(201)
    }
    await expectProblem(
      await t.client.request(
        '/register',
        post({ email: 'a9@example.com', password: PASSWORD }, { origin: 'https://other.example.com' }),
      ),
      403,
      'forbidden_origin',
    )
    // An allowed origin does not excuse Sec-Fetch-Site: cross-site.
    await expectProblem(
      await t.client.request(
        '/register',
        post(
          { email: 'a8@example.com', password: PASSWORD },
          { origin: 'https://app.example.com', 'sec-fetch-site': 'cross-site' },
        ),
      ),
      403,
      'forbidden_origin',
    )
  })

  it('does not guard safe methods', async () => {
    const t = await setup()
    const { client } = await signedIn(t, 'ada@example.com')
    const headers = { origin: EVIL, 'sec-fetch-site': 'cross-site' }
    expect((await client.request('/session', { headers })).status).toBe(200)
    expect((await client.request('/health', { headers })).status).toBe(200)
  })

  it('reflects no foreign origin in CORS headers', async () => {
    const t = await setup()
    const { client } = await signedIn(t, 'ada@example.com')
    for (const res of [
      await client.request('/session', { headers: { origin: EVIL } }),
      await t.app.request('/login', {
        method: 'OPTIONS',
        headers: { origin: EVIL, 'access-control-request-method': 'POST' },
      }),
    ]) {
      expect(res.headers.get('access-control-allow-origin')).not.toBe(EVIL)
      expect(res.headers.get('access-control-allow-origin')).not.toBe('*')
      expect(res.headers.get('access-control-allow-credentials')).toBeNull()
    }
  })
})

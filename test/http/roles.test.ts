import { describe, expect, it } from 'vitest'
import { storeUnavailable } from '../../src/adapters/stores/outage.js'
import type { Deps } from '../../src/application/deps.js'
import type { UserId } from '../../src/domain/user.js'
import { requireRole } from '../../src/index.js'
import { makeTestApp, TestClient } from '../support/app-harness.js'
import {
  alive,
  b64url,
  bodyOf,
  expectProblem,
  forgeJwt,
  hostApp,
  jwtPayload,
  MIN,
  PASSWORD,
  post,
  SEC,
} from './helpers.js'

// docs/http-contract.md, "Roles": roles ride in access tokens; `requireRole` answers 403
// `forbidden` to a signed-in user without one of them; a change reaches the next refresh.

/** A host app with a route only admins and analysts may see. */
async function withReports() {
  const t = await makeTestApp()
  const { app, auth } = hostApp(t)
  app.get('/reports', auth.requireAuth, requireRole('admin', 'analyst'), (c) => c.json({ roles: c.get('auth').roles }))
  app.get('/unguarded', requireRole('admin'), (c) => c.json({ reached: true }))
  const client = new TestClient(app)
  expect((await client.request('/auth/register', post({ email: 'ada@example.com', password: PASSWORD }))).status).toBe(
    201,
  )
  const login = await client.request('/auth/login', post({ email: 'ada@example.com', password: PASSWORD }))
  expect(login.status).toBe(200)
  const { user } = (await login.json()) as { user: { id: UserId; roles: string[] } }
  expect(user.roles).toEqual([])
  const grant = async (roles: string[]) => expect(await t.stores.users.update(user.id, { roles })).not.toBeNull()
  return { ...t, app, client, userId: user.id, grant }
}

describe('roles', () => {
  it('a new account’s token carries roles: [] and a role-guarded route answers 403 forbidden', async () => {
    const h = await withReports()
    expect(jwtPayload(h.client.jar.get('access_token') ?? '').roles).toEqual([])
    await expectProblem(await h.client.request('/reports'), 403, 'forbidden')
    // Signed in: /session still answers; only the guarded route is refused.
    expect((await h.client.request('/auth/session')).status).toBe(200)
  })

  it('a role granted reaches the user’s token at the next refresh, not before', async () => {
    const h = await withReports()
    await h.grant(['analyst'])
    // The access token is what carries roles: until it is replaced, the grant does not show.
    await expectProblem(await h.client.request('/reports'), 403, 'forbidden')
    expect((await h.client.request('/auth/refresh', post())).status).toBe(200)
    expect(jwtPayload(h.client.jar.get('access_token') ?? '').roles).toEqual(['analyst'])
    const res = await h.client.request('/reports')
    expect(res.status).toBe(200)
    expect(await bodyOf(res)).toEqual({ roles: ['analyst'] })
    // Taken away, it goes at the next refresh too.
    await h.grant([])
    expect((await h.client.request('/auth/refresh', post())).status).toBe(200)
    await expectProblem(await h.client.request('/reports'), 403, 'forbidden')
  })

  it('a transparent refresh after expiry carries the roles the account holds now', async () => {
    const h = await withReports()
    await h.grant(['admin'])
    h.clock.advance(11 * MIN)
    const res = await h.client.request('/reports')
    expect(res.status).toBe(200)
    expect(await bodyOf(res)).toEqual({ roles: ['admin'] })
    expect(jwtPayload(h.client.jar.get('access_token') ?? '').roles).toEqual(['admin'])
  })

  it('a role added to a token by hand breaks its signature: 401, cookie or bearer', async () => {
    const h = await withReports()
    const token = h.client.jar.get('access_token') ?? ''
    const [header, , signature] = token.split('.')
    const escalated = `${header}.${b64url(JSON.stringify({ ...jwtPayload(token), roles: ['admin'] }))}.${signature}`
    await expectProblem(
      await h.app.request('/reports', { headers: { authorization: `Bearer ${escalated}` } }),
      401,
      'unauthorized',
    )
    await expectProblem(
      await h.app.request('/reports', { headers: { cookie: `access_token=${escalated}` } }),
      401,
      'unauthorized',
    )
    // Signed with a key that is not ours, it is no better.
    const forged = await forgeJwt(
      { alg: 'HS256', typ: 'JWT' },
      { ...jwtPayload(token), roles: ['admin'] },
      { secret: 'not-the-service-secret-0123456789abcdef' },
    )
    await expectProblem(
      await h.app.request('/reports', { headers: { authorization: `Bearer ${forged}` } }),
      401,
      'unauthorized',
    )
    // The real token still works where no role is needed, and still lacks the role.
    await expectProblem(
      await h.app.request('/reports', { headers: { authorization: `Bearer ${token}` } }),
      403,
      'forbidden',
    )
  })

  it('a refresh for an account deleted under it is a 401 that revokes the session', async () => {
    const h = await withReports()
    const { sessionId } = (await bodyOf(await h.client.request('/auth/session'))) as { sessionId: string }
    expect(await h.stores.users.delete(h.userId)).toBe(true)
    await expectProblem(await h.client.request('/auth/refresh', post()), 401, 'unauthorized')
    expect(await alive(h, sessionId)).toBe(false)
  })

  it('a refresh whose account read fails still hands over the rotated pair, with no roles until the next', async () => {
    const h = await withReports()
    await h.grant(['admin'])
    const users = h.deps.users
    ;(h.deps as { users: Deps['users'] }).users = {
      ...users,
      findById: () => Promise.reject(storeUnavailable('unreachable')),
    }
    const before = h.client.jar.get('refresh_token')
    expect((await h.client.request('/auth/refresh', post())).status).toBe(200)
    expect(h.client.jar.get('refresh_token')).not.toBe(before)
    const unread = jwtPayload(h.client.jar.get('access_token') ?? '')
    expect(unread.roles).toEqual([])
    // It lives a minute, not ACCESS_TOKEN_TTL: the next refresh soon reads the account.
    expect((unread.exp as number) - (unread.iat as number)).toBe(60)
    await expectProblem(await h.client.request('/reports'), 403, 'forbidden')
    ;(h.deps as { users: Deps['users'] }).users = users
    h.clock.advance(91 * SEC) // past its exp and the leeway: a transparent refresh reads the roles
    const res = await h.client.request('/reports')
    expect(res.status).toBe(200)
    expect(await bodyOf(res)).toEqual({ roles: ['admin'] })
  })

  it('fails closed without requireAuth in front, and refuses to be made without a role', async () => {
    const h = await withReports()
    await expectProblem(await h.client.request('/unguarded'), 401, 'unauthorized')
    expect(() => (requireRole as (...r: string[]) => unknown)()).toThrow(TypeError)
    expect(() => requireRole('')).toThrow(TypeError)
  })
})

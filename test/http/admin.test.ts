import { describe, expect, it } from 'vitest'
import type { Stores } from '../../src/application/ports.js'
import type { Email } from '../../src/domain/email.js'
import type { UserId } from '../../src/domain/user.js'
import { type TestApp, type TestAppOptions, TestClient } from '../support/app-harness.js'
import { parseSetCookies } from '../support/set-cookie.js'
import { makeStores } from '../support/store-under-test.js'
import {
  alive,
  bodyOf,
  expectProblem,
  jwtPayload,
  logIn,
  MIN,
  PASSWORD,
  post,
  refreshWith,
  setup,
  setupInstrumented,
  signedIn,
} from './helpers.js'
import { NEW_PASSWORD, resetToken, resetWith, tokenMailed, verifyWith } from './lifecycle-helpers.js'

// docs/http-contract.md, "Administration": the /admin routes behind requireRole('admin'), with the
// caller re-read in the store; disable, enable, revoke; ADMIN_EMAILS. Runs on every store.

type Signed = { client: TestClient; userId: string; sessionId: string }

/** An app with an admin (role granted in the store, then refreshed into the token) and a target. */
async function withAdmin(opts: TestAppOptions = {}) {
  const t = await setup(opts)
  const admin = await signedIn(t, 'root@example.com')
  expect(await t.stores.users.update(admin.userId as UserId, { roles: ['admin'] })).not.toBeNull()
  expect((await admin.client.request('/refresh', post())).status).toBe(200)
  expect(jwtPayload(admin.client.jar.get('access_token')).roles).toEqual(['admin'])
  const target = await signedIn(t, 'ada@example.com')
  return { ...t, admin, target }
}

/** Each admin route, as a request of `client` about `id`. */
const ROUTES = {
  view: (c: TestClient, id: string) => c.request(`/admin/users/${id}`),
  roles: (c: TestClient, id: string) => c.request(`/admin/users/${id}/roles`, post({ roles: ['editor'] })),
  disable: (c: TestClient, id: string) => c.request(`/admin/users/${id}/disable`, post()),
  enable: (c: TestClient, id: string) => c.request(`/admin/users/${id}/enable`, post()),
  revoke: (c: TestClient, id: string) => c.request(`/admin/users/${id}/sessions`, { method: 'DELETE' }),
}

const eventsNamed = (t: TestApp, name: string) => t.events.filter((e) => e.name === name).map((e) => e.fields)

/** Registers an account (no login: `EMAIL_VERIFICATION=required` would refuse it). */
async function signedUp(t: TestApp & { client: TestClient }, email: string) {
  const res = await t.client.request('/register', post({ email, password: PASSWORD }))
  expect(res.status).toBe(201)
  return { userId: ((await bodyOf(res)).user as { id: UserId }).id }
}

/** The refresh token of a client, presented alone; the client's jar keeps it. */
const refreshOf = (t: TestApp, who: Signed) => refreshWith(t, who.client.jar.get('refresh_token') ?? '')

describe('GET /admin/users/:id', () => {
  it('answers the account, disabled: false and its sessions as GET /sessions shows them', async () => {
    const t = await withAdmin()
    const res = await ROUTES.view(t.admin.client, t.target.userId)
    expect(res.status).toBe(200)
    const body = await bodyOf(res)
    expect(body).toEqual({
      user: {
        id: t.target.userId,
        email: 'ada@example.com',
        name: null,
        createdAt: expect.any(String),
        emailVerified: false,
        roles: [],
      },
      disabled: false,
      sessions: [
        {
          id: t.target.sessionId,
          createdAt: expect.any(String),
          lastUsedAt: expect.any(String),
          expiresAt: expect.any(String),
          userAgent: null,
          current: false,
        },
      ],
    })
    expect(JSON.stringify(body)).not.toMatch(/scrypt|passwordHash/)
    expect(eventsNamed(t, 'admin_user_viewed')).toEqual([
      { adminId: t.admin.userId, userId: t.target.userId, ip: '127.0.0.1', requestId: expect.any(String) },
    ])
  })
})

describe('who may call the admin routes', () => {
  it('a signed-in user without the role gets 403 forbidden on every route, and nothing changes', async () => {
    const t = await withAdmin()
    for (const [name, call] of Object.entries(ROUTES)) {
      await expectProblem(await call(t.target.client, t.admin.userId), 403, 'forbidden').catch((e: Error) => {
        throw new Error(`${name}: ${e.message}`)
      })
    }
    const adminNow = await t.stores.users.findById(t.admin.userId as UserId)
    expect(adminNow).toMatchObject({ roles: ['admin'] })
    expect(adminNow).not.toHaveProperty('disabled')
    expect(await alive(t, t.admin.sessionId)).toBe(true)
    expect(t.events.filter((e) => e.name.startsWith('admin_'))).toEqual([])
  })

  it('signed out is 401 on every route', async () => {
    const t = await withAdmin()
    const anonymous = new TestClient(t.app)
    for (const call of Object.values(ROUTES)) {
      await expectProblem(await call(anonymous, t.target.userId), 401, 'unauthorized')
    }
  })

  it('an id that names no account is 404 on every route', async () => {
    const t = await withAdmin()
    for (const id of ['nobody-at-all', 'x'.repeat(300)]) {
      for (const call of Object.values(ROUTES)) await expectProblem(await call(t.admin.client, id), 404, 'not_found')
    }
  })

  it('an admin whose role was taken away in the store is refused at once, the token notwithstanding', async () => {
    const t = await withAdmin()
    await t.stores.users.update(t.admin.userId as UserId, { roles: [] })
    expect(jwtPayload(t.admin.client.jar.get('access_token')).roles).toEqual(['admin'])
    for (const call of Object.values(ROUTES))
      await expectProblem(await call(t.admin.client, t.target.userId), 403, 'forbidden')
    expect(await t.stores.users.findById(t.target.userId as UserId)).not.toHaveProperty('disabled')
    expect(await alive(t, t.target.sessionId)).toBe(true)
  })

  it('an admin whose own account was disabled, or whose session was revoked, is refused', async () => {
    const t = await withAdmin()
    const second = await logIn(t, 'root@example.com')
    await t.stores.sessions.revoke(second.sessionId as never)
    await expectProblem(await ROUTES.view(second.client, t.target.userId), 401, 'unauthorized')
    await t.stores.users.update(t.admin.userId as UserId, { disabled: true })
    await expectProblem(await ROUTES.view(t.admin.client, t.target.userId), 403, 'forbidden')
  })

  it('refuses a cross-site POST before any work', async () => {
    const t = await withAdmin()
    const res = await t.admin.client.request(
      `/admin/users/${t.target.userId}/disable`,
      post(undefined, { origin: 'https://evil.example' }),
    )
    await expectProblem(res, 403, 'forbidden_origin')
    expect(await t.stores.users.findById(t.target.userId as UserId)).not.toHaveProperty('disabled')
    expect(await alive(t, t.target.sessionId)).toBe(true)
  })
})

describe('POST /admin/users/:id/roles', () => {
  it('sets the roles (duplicates dropped); the target’s next refresh carries them', async () => {
    const t = await withAdmin()
    const res = await t.admin.client.request(
      `/admin/users/${t.target.userId}/roles`,
      post({ roles: ['editor', 'billing:read', 'editor'] }),
    )
    expect(res.status).toBe(200)
    expect(((await bodyOf(res)).user as { roles: string[] }).roles).toEqual(['editor', 'billing:read'])
    expect(jwtPayload(t.target.client.jar.get('access_token')).roles).toEqual([])
    expect((await t.target.client.request('/refresh', post())).status).toBe(200)
    expect(jwtPayload(t.target.client.jar.get('access_token')).roles).toEqual(['editor', 'billing:read'])
    expect(eventsNamed(t, 'admin_roles_set')).toEqual([
      {
        adminId: t.admin.userId,
        userId: t.target.userId,
        ip: '127.0.0.1',
        roles: 'editor,billing:read',
        requestId: expect.any(String),
      },
    ])
  })

  it('refuses bad bodies with 400 invalid_request naming what is wrong, and changes nothing', async () => {
    const t = await withAdmin()
    const bodies: [unknown, RegExp][] = [
      [{}, /^roles is missing/],
      [{ roles: 'admin' }, /^roles has the wrong type/],
      [{ roles: [1] }, /^roles\.0 has the wrong type/],
      [{ roles: ['ok', ''] }, /^roles\.1 must be 1 to 64/],
      [{ roles: ['Admin'] }, /^roles\.0 must be/],
      [{ roles: ['a b'] }, /^roles\.0 must be/],
      [{ roles: ['-x'] }, /^roles\.0 must be/],
      [{ roles: ['x'.repeat(65)] }, /^roles\.0 must be/],
      [{ roles: Array.from({ length: 33 }, (_, i) => `r${i}`) }, /^roles must list at most 32/],
      [{ roles: [], admin: true }, /^admin is not a known field/],
    ]
    for (const [body, detail] of bodies) {
      const res = await t.admin.client.request(`/admin/users/${t.target.userId}/roles`, post(body))
      expect((await expectProblem(res, 400, 'invalid_request')).detail, JSON.stringify(body)).toMatch(detail)
    }
    const ok = Array.from({ length: 32 }, (_, i) => `r${i}`.padEnd(64, 'x'))
    expect((await t.admin.client.request(`/admin/users/${t.target.userId}/roles`, post({ roles: ok }))).status).toBe(
      200,
    )
    expect((await t.stores.users.findById(t.target.userId as UserId))?.roles).toEqual(ok)
  })
})

describe('POST /admin/users/:id/disable and /enable', () => {
  it('disable revokes every session; login is then 403 only with the right password; refresh is 401', async () => {
    const t = await withAdmin()
    const other = await logIn(t, 'ada@example.com')
    const res = await ROUTES.disable(t.admin.client, t.target.userId)
    expect(res.status).toBe(204)
    expect(await alive(t, t.target.sessionId)).toBe(false)
    expect(await alive(t, other.sessionId)).toBe(false)
    expect(await t.stores.sessions.listForUser(t.target.userId as UserId, t.clock.now())).toEqual([])
    expect(await t.stores.users.findById(t.target.userId as UserId)).toMatchObject({ disabled: true })
    // A revoked session's token: the store no longer knows whose it was, so a plain 401.
    await expectProblem(await refreshOf(t, t.target), 401, 'unauthorized')
    const client = new TestClient(t.app)
    const right = await client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
    await expectProblem(right, 403, 'account_disabled')
    expect(right.headers.getSetCookie()).toEqual([])
    expect(await t.stores.sessions.listForUser(t.target.userId as UserId, t.clock.now())).toEqual([])
    const wrong = await client.request('/login', post({ email: 'ada@example.com', password: `${PASSWORD}x` }))
    await expectProblem(wrong, 401, 'invalid_credentials')
    const view = await bodyOf(await ROUTES.view(t.admin.client, t.target.userId))
    expect([view.disabled, view.sessions]).toEqual([true, []])
    expect(eventsNamed(t, 'admin_user_disabled')).toEqual([
      {
        adminId: t.admin.userId,
        userId: t.target.userId,
        ip: '127.0.0.1',
        sessionsRevoked: 2,
        requestId: expect.any(String),
      },
    ])
    expect(eventsNamed(t, 'login_failure')).toContainEqual(
      expect.objectContaining({ userId: t.target.userId, reason: 'account_disabled' }),
    )
  })

  it('disable voids the pending mailed links of the account', async () => {
    const t = await withAdmin({ mail: true })
    const before = await t.stores.tokens.listForUser(t.target.userId as UserId, t.clock.now())
    expect(before.map((tk) => tk.purpose)).toEqual(['verify_email'])
    expect((await ROUTES.disable(t.admin.client, t.target.userId)).status).toBe(204)
    expect(await t.stores.tokens.listForUser(t.target.userId as UserId, t.clock.now())).toEqual([])
  })

  it('a disabled account is mailed no reset link; the answer is the same 202', async () => {
    const t = await withAdmin({ mail: true })
    expect((await ROUTES.disable(t.admin.client, t.target.userId)).status).toBe(204)
    await t.background.settled()
    const before = t.outbox.sent.length
    const res = await t.target.client.request('/password/forgot', post({ email: 'ada@example.com' }))
    expect(res.status).toBe(202)
    await t.background.settled()
    expect(t.outbox.sent.length).toBe(before)
    expect(await t.stores.tokens.listForUser(t.target.userId as UserId, t.clock.now())).toEqual([])
    // Enabled again, the same request mails a link.
    expect((await ROUTES.enable(t.admin.client, t.target.userId)).status).toBe(204)
    expect((await t.target.client.request('/password/forgot', post({ email: 'ada@example.com' }))).status).toBe(202)
    await t.background.settled()
    expect(t.outbox.sent.slice(before).map((m) => m.purpose)).toEqual(['reset_password'])
  })

  it('an admin cannot disable their own account', async () => {
    const t = await withAdmin()
    const res = await ROUTES.disable(t.admin.client, t.admin.userId)
    expect((await expectProblem(res, 400, 'invalid_request')).detail).toMatch(/own account/)
    expect(await t.stores.users.findById(t.admin.userId as UserId)).not.toHaveProperty('disabled')
    expect(await alive(t, t.admin.sessionId)).toBe(true)
  })

  it('a session that survived a disable: its refresh is 403 account_disabled, clears the cookies, revokes it', async () => {
    const t = await withAdmin()
    // A disable whose revocation lags (or a login that raced it): the flag without the revoke.
    await t.stores.users.update(t.target.userId as UserId, { disabled: true })
    const res = await t.target.client.request('/refresh', post())
    await expectProblem(res, 403, 'account_disabled')
    const cleared = parseSetCookies(res)
    expect([
      cleared.get('access_token')?.attrs.get('max-age'),
      cleared.get('refresh_token')?.attrs.get('max-age'),
    ]).toEqual(['0', '0'])
    expect(await alive(t, t.target.sessionId)).toBe(false)
    expect(eventsNamed(t, 'refresh_refused')).toEqual([
      {
        userId: t.target.userId,
        sessionId: t.target.sessionId,
        ip: '127.0.0.1',
        reason: 'account_disabled',
        requestId: expect.any(String),
      },
    ])
  })

  it('a surviving session’s transparent refresh is 403 account_disabled too', async () => {
    const t = await withAdmin()
    await t.stores.users.update(t.target.userId as UserId, { disabled: true })
    t.clock.advance(11 * MIN)
    const res = await t.target.client.request('/profile')
    await expectProblem(res, 403, 'account_disabled')
    expect(parseSetCookies(res).get('refresh_token')?.attrs.get('max-age')).toBe('0')
    expect(await alive(t, t.target.sessionId)).toBe(false)
  })

  it('enable lets the account log in again; the revoked sessions stay revoked', async () => {
    const t = await withAdmin()
    expect((await ROUTES.disable(t.admin.client, t.target.userId)).status).toBe(204)
    const res = await ROUTES.enable(t.admin.client, t.target.userId)
    expect(res.status).toBe(204)
    expect(await t.stores.users.findById(t.target.userId as UserId)).not.toHaveProperty('disabled')
    await expectProblem(await refreshOf(t, t.target), 401, 'unauthorized')
    const again = await logIn(t, 'ada@example.com')
    expect(await alive(t, again.sessionId)).toBe(true)
    expect((await again.client.request('/refresh', post())).status).toBe(200)
    expect(eventsNamed(t, 'admin_user_enabled')).toEqual([
      { adminId: t.admin.userId, userId: t.target.userId, ip: '127.0.0.1', requestId: expect.any(String) },
    ])
  })
})

describe('login of a disabled account', () => {
  it('is refused after the password check, before any session is made, and before email_unverified', async () => {
    const t = await setupInstrumented({ policy: { emailVerification: 'required' } })
    const { userId } = await signedUp(t, 'ada@example.com')
    await t.stores.users.update(userId, { disabled: true })
    t.store.calls.length = 0
    await expectProblem(
      await t.client.request('/login', post({ email: 'ada@example.com', password: PASSWORD })),
      403,
      'account_disabled',
    )
    expect(t.store.calls).not.toContain('sessions.create')
    await expectProblem(
      await t.client.request('/login', post({ email: 'ada@example.com', password: `${PASSWORD}x` })),
      401,
      'invalid_credentials',
    )
  })
})

describe('login racing a disable', () => {
  it('a disable between the password check and the re-read: 403, and the new session is revoked', async () => {
    const base = makeStores()
    let disableNext = false
    // The admin's disable lands right after the login created its session (before its re-read).
    const sessions = new Proxy(base.sessions, {
      get(obj, prop) {
        const value = Reflect.get(obj, prop)
        if (prop !== 'create' || typeof value !== 'function') return value
        return async (...args: Parameters<Stores['sessions']['create']>) => {
          await value.apply(obj, args)
          if (disableNext) await base.users.update(args[0].userId, { disabled: true })
        }
      },
    })
    const t = await setup({ stores: { ...base, users: base.users, sessions } })
    const { userId } = await signedIn(t, 'ada@example.com')
    disableNext = true
    const res = await t.client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
    await expectProblem(res, 403, 'account_disabled')
    expect(res.headers.getSetCookie()).toEqual([])
    // The first login's session is the only one left: the racing login's was revoked.
    expect((await base.sessions.listForUser(userId as UserId, t.clock.now())).length).toBe(1)
  })
})

describe('DELETE /admin/users/:id/sessions', () => {
  it('revokes every session of the target; its refresh is then 401; the account still logs in', async () => {
    const t = await withAdmin()
    const other = await logIn(t, 'ada@example.com')
    const res = await ROUTES.revoke(t.admin.client, t.target.userId)
    expect(res.status).toBe(204)
    expect(res.headers.getSetCookie()).toEqual([])
    expect(await alive(t, t.target.sessionId)).toBe(false)
    expect(await alive(t, other.sessionId)).toBe(false)
    await expectProblem(await refreshOf(t, t.target), 401, 'unauthorized')
    expect(await alive(t, t.admin.sessionId)).toBe(true)
    await logIn(t, 'ada@example.com')
    expect(eventsNamed(t, 'admin_sessions_revoked')).toEqual([
      {
        adminId: t.admin.userId,
        userId: t.target.userId,
        ip: '127.0.0.1',
        sessionsRevoked: 2,
        requestId: expect.any(String),
      },
    ])
  })

  it('an admin revoking their own sessions is signed out: the cookies are cleared', async () => {
    const t = await withAdmin()
    const res = await ROUTES.revoke(t.admin.client, t.admin.userId)
    expect(res.status).toBe(204)
    expect(parseSetCookies(res).get('refresh_token')?.attrs.get('max-age')).toBe('0')
    expect(await alive(t, t.admin.sessionId)).toBe(false)
  })
})

describe('ADMIN_EMAILS', () => {
  const listed = { mail: true, policy: { adminEmails: ['boss@example.com' as Email] } } as const

  it('grants admin when a listed address sets its password through a reset link, not at a login', async () => {
    const t = await setup(listed)
    const boss = await signedIn(t, 'Boss@Example.com')
    // Verified and logged in again: still nothing, since verifying proves the mailbox, not the password.
    await verifyWith(t, tokenMailed(t, 'boss@example.com', 'verify_email'))
    const verified = await logIn(t, 'boss@example.com')
    expect(jwtPayload(verified.client.jar.get('access_token')).roles).toEqual([])
    await expectProblem(await ROUTES.view(verified.client, boss.userId), 403, 'forbidden')
    expect(eventsNamed(t, 'admin_granted')).toEqual([])

    expect((await resetWith(t, await resetToken(t, 'boss@example.com'))).status).toBe(204)
    expect((await t.stores.users.findById(boss.userId as UserId))?.roles).toEqual(['admin'])
    expect(eventsNamed(t, 'admin_granted')).toEqual([
      { userId: boss.userId, ip: '127.0.0.1', source: 'ADMIN_EMAILS', requestId: expect.any(String) },
    ])
    const admin = await logIn(t, 'boss@example.com', { password: NEW_PASSWORD })
    expect(jwtPayload(admin.client.jar.get('access_token')).roles).toEqual(['admin'])
    expect((await ROUTES.view(admin.client, boss.userId)).status).toBe(200)
    // Granted once: another reset finds the role there and writes nothing.
    expect((await resetWith(t, await resetToken(t, 'boss@example.com'), 'yet another passphrase 43')).status).toBe(204)
    expect(eventsNamed(t, 'admin_granted')).toHaveLength(1)
  })

  it('gives nothing to whoever registered a listed address first, even once its owner verifies it', async () => {
    const t = await setup(listed)
    // The attacker registers the address with a password of their own; the owner clicks the mail.
    const attacker = await signedIn(t, 'boss@example.com', { password: 'the attacker’s own passphrase' })
    expect((await verifyWith(t, tokenMailed(t, 'boss@example.com', 'verify_email'))).status).toBe(200)
    const again = await logIn(t, 'boss@example.com', { password: 'the attacker’s own passphrase' })
    expect(jwtPayload(again.client.jar.get('access_token')).roles).toEqual([])
    await expectProblem(await ROUTES.view(again.client, attacker.userId), 403, 'forbidden')
    // The owner takes the account through a reset: the attacker's sessions end with it.
    expect((await resetWith(t, await resetToken(t, 'boss@example.com'))).status).toBe(204)
    expect(await alive(t, again.sessionId)).toBe(false)
    const owner = await logIn(t, 'boss@example.com', { password: NEW_PASSWORD })
    expect(jwtPayload(owner.client.jar.get('access_token')).roles).toEqual(['admin'])
  })

  it('grants nothing to an address that is not listed', async () => {
    const t = await setup(listed)
    const ada = await signedIn(t, 'ada@example.com')
    expect((await resetWith(t, await resetToken(t, 'ada@example.com'))).status).toBe(204)
    const again = await logIn(t, 'ada@example.com', { password: NEW_PASSWORD })
    expect(jwtPayload(again.client.jar.get('access_token')).roles).toEqual([])
    expect((await t.stores.users.findById(ada.userId as UserId))?.roles).toEqual([])
  })
})

describe('a disabled account’s mailed links', () => {
  it('are void even when mailed while the disable ran: reset and verification are invalid_token', async () => {
    const t = await setup({ mail: true })
    const ada = await signedIn(t, 'ada@example.com')
    const verify = tokenMailed(t, 'ada@example.com', 'verify_email')
    const reset = await resetToken(t, 'ada@example.com')
    // The flag alone, as a disable that has not reached its revocation of the links yet leaves it.
    await t.stores.users.update(ada.userId as UserId, { disabled: true })
    await expectProblem(await resetWith(t, reset), 400, 'invalid_token')
    await expectProblem(await verifyWith(t, verify), 400, 'invalid_token')
    const account = await t.stores.users.findById(ada.userId as UserId)
    expect(account?.emailVerified).toBe(false)
    expect(account?.passwordHash.startsWith('$scrypt$')).toBe(true)
    await expectProblem(
      await new TestClient(t.app).request('/login', post({ email: 'ada@example.com', password: PASSWORD })),
      403,
      'account_disabled',
    )
  })
})

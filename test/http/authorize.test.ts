import { describe, expect, it } from 'vitest'
import { TestClient } from '../support/app-harness.js'
import { parseSetCookies } from '../support/set-cookie.js'
import {
  bodyOf,
  claimsAt,
  cookieHeader,
  expectProblem,
  forgeJwt,
  refreshWith,
  SEC,
  setsCookies,
  setup,
  setupInstrumented,
  signedIn,
} from './helpers.js'

/** Past the access token's lifetime and the 30 s leeway. */
const EXPIRE = (600 + 31) * SEC

describe('"auth": the AuthorizeRequest rule', () => {
  describe('GET /session', () => {
    it('answers {userId, sessionId, accessTokenExpiresAt} from the access cookie', async () => {
      const t = await setup()
      const loginAt = t.clock.now()
      const { client, userId, sessionId } = await signedIn(t, 'ada@example.com')
      const res = await client.request('/session')
      expect(res.status).toBe(200)
      expect(setsCookies(res)).toBe(false)
      expect(await bodyOf(res)).toEqual({
        userId,
        sessionId,
        accessTokenExpiresAt: new Date(Math.floor(loginAt / 1000) * 1000 + 600_000).toISOString(),
      })
      expect(userId).toMatch(/.+/)
      expect(sessionId).toMatch(/.+/)
    })

    it('accepts Authorization: Bearer <jwt> without cookies', async () => {
      const t = await setup()
      const { client, sessionId } = await signedIn(t, 'ada@example.com')
      const res = await t.app.request('/session', {
        headers: { authorization: `Bearer ${client.jar.get('access_token')}` },
      })
      expect(res.status).toBe(200)
      expect((await bodyOf(res)).sessionId).toBe(sessionId)
    })

    it('reads nothing from the store while the access token is valid', async () => {
      const t = await setupInstrumented({ tokenCacheSize: 0 })
      const { client } = await signedIn(t, 'ada@example.com')
      t.store.calls.length = 0
      for (let i = 0; i < 3; i++) expect((await client.request('/session')).status).toBe(200)
      const bearer = await t.app.request('/session', {
        headers: { authorization: `Bearer ${client.jar.get('access_token')}` },
      })
      expect(bearer.status).toBe(200)
      expect(t.store.calls).toEqual([])
      // A refresh does need the store: the counter sees it.
      client.jar.delete('access_token')
      expect((await client.request('/session')).status).toBe(200)
      expect(t.store.calls).toContain('sessions.rotate')
    })

    it('answers 401 unauthorized with no cookie at all', async () => {
      const t = await setup()
      const res = await t.client.request('/session')
      await expectProblem(res, 401, 'unauthorized')
      expect(setsCookies(res)).toBe(false)
    })
  })

  describe('transparent refresh', () => {
    it.each(['/session', '/profile'])(
      'on GET %s with no access cookie: rotates the pair, sets both cookies, no-store',
      async (path) => {
        const t = await setup()
        const { client, userId, sessionId } = await signedIn(t, 'ada@example.com')
        const oldRefresh = client.jar.get('refresh_token') ?? ''
        client.jar.delete('access_token')
        const res = await client.request(path)
        expect(res.status).toBe(200)
        expect(res.headers.get('cache-control')).toBe('no-store')
        const cookies = parseSetCookies(res)
        expect(cookies.get('access_token')?.value).toBeTruthy()
        expect(cookies.get('refresh_token')?.value).toBeTruthy()
        expect(cookies.get('refresh_token')?.value).not.toBe(oldRefresh)
        expect(cookies.get('access_token')?.attrs.get('max-age')).toBe('600')
        const body = await bodyOf(res)
        if (path === '/session') expect(body).toMatchObject({ userId, sessionId })
        else expect((body.user as { id: string }).id).toBe(userId)
        // It was a real rotation: the old token is now the previous generation.
        t.clock.advance(t.deps.policy.refreshReuseGrace + 1)
        await expectProblem(await refreshWith(t, oldRefresh), 401, 'refresh_reused')
      },
    )

    it.each(['/session', '/profile'])('on GET %s with an expired access cookie', async (path) => {
      const t = await setup()
      const { client, sessionId } = await signedIn(t, 'ada@example.com')
      const oldAccess = client.jar.get('access_token')
      t.clock.advance(EXPIRE)
      const res = await client.request(path)
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('no-store')
      const cookies = parseSetCookies(res)
      expect(cookies.get('access_token')?.value).not.toBe(oldAccess)
      expect(cookies.get('refresh_token')?.value).toBeTruthy()
      const who = await bodyOf(await client.request('/session'))
      expect(who.sessionId).toBe(sessionId)
      expect(who.accessTokenExpiresAt).toBe(new Date(Math.floor(t.clock.now() / 1000) * 1000 + 600_000).toISOString())
    })

    it('keeps every racer logged in when several requests refresh with the same cookie', async () => {
      const t = await setup()
      const { client } = await signedIn(t, 'ada@example.com')
      t.clock.advance(EXPIRE)
      const cookie = cookieHeader({
        access_token: client.jar.get('access_token'),
        refresh_token: client.jar.get('refresh_token'),
      })
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => t.app.request('/profile', { headers: { cookie } })),
      )
      expect(answers.map((r) => r.status)).toEqual(Array(5).fill(200))
      expect(new Set(answers.map((r) => parseSetCookies(r).get('refresh_token')?.value)).size).toBe(1)
    })

    it('takes the identity from the refresh record: an expired token of B with the refresh cookie of A is a 401', async () => {
      const t = await setup()
      const a = await signedIn(t, 'alice@example.com')
      const b = await signedIn(t, 'bob@example.com')
      t.clock.advance(EXPIRE)
      const res = await t.app.request('/profile', {
        headers: {
          cookie: cookieHeader({
            access_token: b.client.jar.get('access_token'),
            refresh_token: a.client.jar.get('refresh_token'),
          }),
        },
      })
      await expectProblem(res, 401, 'unauthorized')
      expect(setsCookies(res)).toBe(false)
      // A's session was not rotated: past the grace window its token is still current.
      t.clock.advance(t.deps.policy.refreshReuseGrace + 1)
      expect((await a.client.request('/refresh', { method: 'POST' })).status).toBe(200)
      expect((await b.client.request('/refresh', { method: 'POST' })).status).toBe(200)
    })

    it('takes the session from the refresh record, not from the expired token', async () => {
      const t = await setup()
      const one = await signedIn(t, 'ada@example.com')
      const two = await signedIn(t, 'ada@example.com')
      t.clock.advance(EXPIRE)
      const res = await t.app.request('/session', {
        headers: {
          cookie: cookieHeader({
            access_token: one.client.jar.get('access_token'),
            refresh_token: two.client.jar.get('refresh_token'),
          }),
        },
      })
      expect(res.status).toBe(200)
      expect(await bodyOf(res)).toMatchObject({ userId: two.userId, sessionId: two.sessionId })
    })

    it('answers a bad signature with 401 and rotates nothing, even with a valid refresh cookie', async () => {
      const t = await setup()
      const { client, userId, sessionId } = await signedIn(t, 'ada@example.com')
      const refresh = client.jar.get('refresh_token')
      const badSig = await forgeJwt({ alg: 'HS256', typ: 'JWT' }, claimsAt(t.clock.now(), userId, sessionId), {
        secret: 'not-the-secret-but-32-bytes-long-xxxxxxxx',
      })
      const expiredBadSig = await forgeJwt(
        { alg: 'HS256', typ: 'JWT' },
        claimsAt(t.clock.now() - 3600 * SEC, userId, sessionId),
        { secret: 'not-the-secret-but-32-bytes-long-xxxxxxxx' },
      )
      for (const token of [badSig, expiredBadSig]) {
        for (const path of ['/session', '/profile', '/sessions']) {
          const res = await t.app.request(path, {
            headers: { cookie: cookieHeader({ access_token: token, refresh_token: refresh }) },
          })
          await expectProblem(res, 401, 'unauthorized')
          expect(setsCookies(res)).toBe(false)
        }
        const bearer = await t.app.request('/session', {
          headers: { authorization: `Bearer ${token}`, cookie: cookieHeader({ refresh_token: refresh }) },
        })
        await expectProblem(bearer, 401, 'unauthorized')
        expect(setsCookies(bearer)).toBe(false)
      }
      t.clock.advance(t.deps.policy.refreshReuseGrace + 1)
      expect((await client.request('/refresh', { method: 'POST' })).status).toBe(200)
    })

    it('answers 401 refresh_reused and clears the cookies when the refresh cookie is a replay', async () => {
      const t = await setup()
      const { client } = await signedIn(t, 'ada@example.com')
      const stale = client.jar.get('refresh_token') ?? ''
      await client.request('/refresh', { method: 'POST' })
      t.clock.advance(EXPIRE)
      const res = await t.app.request('/profile', { headers: { cookie: cookieHeader({ refresh_token: stale }) } })
      await expectProblem(res, 401, 'refresh_reused')
      const cookies = parseSetCookies(res)
      expect(cookies.get('refresh_token')?.attrs.get('max-age')).toBe('0')
      expect(cookies.get('access_token')?.attrs.get('max-age')).toBe('0')
      expect((await client.request('/profile')).status).toBe(401)
    })

    it('answers 401 when the access token is missing or expired and the refresh cookie is missing or bad', async () => {
      const t = await setup()
      const { client } = await signedIn(t, 'ada@example.com')
      const access = client.jar.get('access_token')
      t.clock.advance(EXPIRE)
      for (const cookie of [
        cookieHeader({ access_token: access }),
        cookieHeader({ access_token: access, refresh_token: 'garbage' }),
        cookieHeader({ refresh_token: 'garbage' }),
      ]) {
        const res = await t.app.request('/profile', { headers: { cookie } })
        await expectProblem(res, 401, 'unauthorized')
        expect(setsCookies(res)).toBe(false)
      }
    })

    it('protects every "auth" route the same way', async () => {
      const t = await setup()
      const anon = new TestClient(t.app)
      for (const [method, path] of [
        ['GET', '/session'],
        ['GET', '/profile'],
        ['POST', '/profile'],
        ['GET', '/sessions'],
        ['DELETE', '/sessions/whatever'],
        ['POST', '/logout-all'],
      ] as const) {
        const init: RequestInit & { json?: unknown } = { method }
        if (method === 'POST' && path === '/profile') init.json = { name: 'x' }
        await expectProblem(await anon.request(path, init), 401, 'unauthorized')
      }
    })
  })
})

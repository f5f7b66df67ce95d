import { describe, expect, it } from 'vitest'
import { TestClient } from '../support/app-harness.js'
import { WRONG_SECRET } from '../support/constants.js'
import { parseSetCookies } from '../support/set-cookie.js'
import {
  alive,
  claimsAt,
  cookieHeader,
  expectProblem,
  forgeJwt,
  logIn,
  post,
  refreshWith,
  SEC,
  setsCookies,
  setup,
  signedIn,
} from './helpers.js'

/** Asserts both cookies are cleared with the names and path they were set with. */
function expectCleared(res: Response): void {
  const cookies = parseSetCookies(res)
  for (const name of ['access_token', 'refresh_token']) {
    const cookie = cookies.get(name)
    expect(cookie, name).toBeDefined()
    expect(cookie?.value).toBe('')
    expect(cookie?.attrs.get('max-age')).toBe('0')
    expect(cookie?.attrs.get('path')).toBe('/')
    expect(cookie?.attrs.has('httponly')).toBe(true)
    expect(cookie?.attrs.get('samesite')).toBe('Lax')
  }
}

describe('POST /logout', () => {
  it('answers 204, clears both cookies and has revoked the session before answering', async () => {
    const t = await setup()
    const { client, sessionId } = await signedIn(t, 'ada@example.com')
    const refresh = client.jar.get('refresh_token') ?? ''
    const res = await client.request('/logout', { method: 'POST' })
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    expectCleared(res)
    expect(await alive(t, sessionId)).toBe(false)
    await expectProblem(await refreshWith(t, refresh), 401, 'unauthorized')
    expect(client.jar.size).toBe(0)
    await expectProblem(await client.request('/profile'), 401, 'unauthorized')
  })

  it('is idempotent: again, or with no cookie at all, is still 204 with the cookies cleared', async () => {
    const t = await setup()
    const { client } = await signedIn(t, 'ada@example.com')
    const cookie = cookieHeader(Object.fromEntries(client.jar))
    expect((await client.request('/logout', { method: 'POST' })).status).toBe(204)
    const again = await t.app.request('/logout', { method: 'POST', headers: { cookie } })
    expect(again.status).toBe(204)
    expectCleared(again)
    const anonymous = await t.app.request('/logout', { method: 'POST' })
    expect(anonymous.status).toBe(204)
    expectCleared(anonymous)
  })

  it('revokes the session named by an expired but validly signed access token', async () => {
    const t = await setup()
    const { client, sessionId } = await signedIn(t, 'ada@example.com')
    const access = client.jar.get('access_token')
    t.clock.advance(3600 * SEC)
    const res = await t.app.request('/logout', {
      method: 'POST',
      headers: { cookie: cookieHeader({ access_token: access }) },
    })
    expect(res.status).toBe(204)
    expect(await alive(t, sessionId)).toBe(false)
  })

  it('revokes the session named by an Authorization: Bearer token', async () => {
    const t = await setup()
    const { client, sessionId } = await signedIn(t, 'ada@example.com')
    const res = await t.app.request('/logout', {
      method: 'POST',
      headers: { authorization: `Bearer ${client.jar.get('access_token')}` },
    })
    expect(res.status).toBe(204)
    expect(await alive(t, sessionId)).toBe(false)
  })

  it('revokes the session named by a refresh token that passes its integrity check', async () => {
    const t = await setup()
    const { client, sessionId } = await signedIn(t, 'ada@example.com')
    const res = await t.app.request('/logout', {
      method: 'POST',
      headers: { cookie: cookieHeader({ refresh_token: client.jar.get('refresh_token') }) },
    })
    expect(res.status).toBe(204)
    expect(await alive(t, sessionId)).toBe(false)
  })

  it('revokes nothing for a forged access token or a forged refresh token naming a real session', async () => {
    const t = await setup()
    const { client, userId, sessionId } = await signedIn(t, 'ada@example.com')
    const realRefresh = client.jar.get('refresh_token') ?? ''
    const [sid, gen, mac = ''] = realRefresh.split('.')
    const forgedAccess = await forgeJwt({ alg: 'HS256', typ: 'JWT' }, claimsAt(t.clock.now(), userId, sessionId), {
      secret: WRONG_SECRET,
    })
    const noneAccess = await forgeJwt({ alg: 'none' }, claimsAt(t.clock.now(), userId, sessionId), { signature: '' })
    const forgedRefresh = `${sid}.${gen}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`
    for (const cookie of [
      cookieHeader({ access_token: forgedAccess }),
      cookieHeader({ access_token: noneAccess }),
      cookieHeader({ refresh_token: forgedRefresh }),
      cookieHeader({ access_token: forgedAccess, refresh_token: forgedRefresh }),
    ]) {
      const res = await t.app.request('/logout', { method: 'POST', headers: { cookie } })
      expect(res.status).toBe(204)
      expectCleared(res)
    }
    const bearer = await t.app.request('/logout', {
      method: 'POST',
      headers: { authorization: `Bearer ${forgedAccess}` },
    })
    expect(bearer.status).toBe(204)
    expect(await alive(t, sessionId)).toBe(true)
    expect((await client.request('/refresh', { method: 'POST' })).status).toBe(200)
  })

  it('revokes only the current session', async () => {
    const t = await setup()
    const one = await signedIn(t, 'ada@example.com')
    const two = await logIn(t, 'ada@example.com')
    expect((await one.client.request('/logout', { method: 'POST' })).status).toBe(204)
    expect(await alive(t, one.sessionId)).toBe(false)
    expect(await alive(t, two.sessionId)).toBe(true)
  })
})

describe('POST /logout-all', () => {
  it('answers 204, revokes every session of the user, clears cookies, and leaves other users alone', async () => {
    const t = await setup()
    const one = await signedIn(t, 'ada@example.com')
    const two = await logIn(t, 'ada@example.com')
    const three = await logIn(t, 'ada@example.com')
    const bob = await signedIn(t, 'bob@example.com')
    const refreshes = [one, two, three].map((s) => s.client.jar.get('refresh_token') ?? '')

    const res = await two.client.request('/logout-all', { method: 'POST' })
    expect(res.status).toBe(204)
    expectCleared(res)
    for (const s of [one, two, three]) expect(await alive(t, s.sessionId)).toBe(false)
    for (const token of refreshes) await expectProblem(await refreshWith(t, token), 401, 'unauthorized')
    expect(await alive(t, bob.sessionId)).toBe(true)
    expect((await bob.client.request('/refresh', { method: 'POST' })).status).toBe(200)
  })

  it('answers 401 without auth and revokes nothing', async () => {
    const t = await setup()
    const { sessionId } = await signedIn(t, 'ada@example.com')
    const res = await new TestClient(t.app).request('/logout-all', { method: 'POST' })
    await expectProblem(res, 401, 'unauthorized')
    expect(setsCookies(res)).toBe(false)
    expect(await alive(t, sessionId)).toBe(true)
  })

  it('works through a transparent refresh when the access token has expired', async () => {
    const t = await setup()
    const one = await signedIn(t, 'ada@example.com')
    const two = await logIn(t, 'ada@example.com')
    t.clock.advance(3600 * SEC)
    const res = await one.client.request('/logout-all', post())
    expect(res.status).toBe(204)
    expect(await alive(t, one.sessionId)).toBe(false)
    expect(await alive(t, two.sessionId)).toBe(false)
    // The browser ends up with no cookie: the clearing comes after the refreshed pair.
    expect(one.client.jar.size).toBe(0)
  })
})

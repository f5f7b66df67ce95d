import { describe, expect, it } from 'vitest'
import { seconds } from '../../src/domain/units.js'
import { type TestApp, TestClient } from '../support/app-harness.js'
import { parseSetCookies } from '../support/set-cookie.js'
import { bodyOf, cookieHeader, DAY, expectProblem, PASSWORD, post, SEC, setup } from './helpers.js'

type Cookie = { value: string; attrs: Map<string, string> }

/** Asserts `HttpOnly; SameSite=Lax; Path=/`, no Domain, Secure only when asked, and a Max-Age. */
function expectAttributes(cookie: Cookie | undefined, maxAge: number, secure: boolean): void {
  expect(cookie).toBeDefined()
  const attrs = cookie?.attrs ?? new Map()
  expect(attrs.has('httponly')).toBe(true)
  expect(attrs.get('samesite')).toBe('Lax')
  expect(attrs.get('path')).toBe('/')
  expect(attrs.has('domain')).toBe(false)
  expect(attrs.has('secure')).toBe(secure)
  expect(attrs.get('max-age')).toBe(String(maxAge))
}

async function register(t: TestApp, email = 'ada@example.com'): Promise<Response> {
  return new TestClient(t.app).request('/register', post({ email, password: PASSWORD }))
}

describe('cookies', () => {
  it('login sets access_token (Max-Age=ACCESS_TOKEN_TTL) and refresh_token (Max-Age=REFRESH_TOKEN_TTL)', async () => {
    const t = await setup()
    await register(t)
    const res = await t.client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const cookies = parseSetCookies(res)
    expect([...cookies.keys()].sort()).toEqual(['access_token', 'refresh_token'])
    expectAttributes(cookies.get('access_token'), t.deps.policy.accessTokenTtl / SEC, false)
    expectAttributes(cookies.get('refresh_token'), t.deps.policy.refreshTokenTtl / SEC, false)
  })

  it('follows the configured lifetimes', async () => {
    const t = await setup({ policy: { accessTokenTtl: seconds(120), refreshTokenTtl: seconds(3 * 86_400) } })
    await register(t)
    const res = await t.client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
    const cookies = parseSetCookies(res)
    expectAttributes(cookies.get('access_token'), 120, false)
    expectAttributes(cookies.get('refresh_token'), 3 * 86_400, false)
    t.clock.advance(121 * SEC + 30 * SEC)
    const refreshed = await t.client.request('/session')
    expect(parseSetCookies(refreshed).get('access_token')).toBeDefined()
  })

  it('never sets a refresh Max-Age beyond the session’s end, even at login', async () => {
    const t = await setup({
      policy: { refreshTokenTtl: seconds(30 * 86_400), sessionMaxLifetime: seconds(7 * 86_400) },
    })
    await register(t)
    const res = await t.client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
    expectAttributes(parseSetCookies(res).get('refresh_token'), 7 * 86_400, false)
    t.clock.advance(5 * DAY)
    const refreshed = await t.client.request('/refresh', { method: 'POST' })
    expectAttributes(parseSetCookies(refreshed).get('refresh_token'), 2 * 86_400, false)
  })

  it('refresh and transparent refresh set the same attributes, the refresh Max-Age counting down to the session end', async () => {
    const t = await setup()
    await register(t)
    await t.client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
    t.clock.advance(DAY)
    const refreshed = await t.client.request('/refresh', { method: 'POST' })
    expect(refreshed.headers.get('cache-control')).toBe('no-store')
    let cookies = parseSetCookies(refreshed)
    expectAttributes(cookies.get('access_token'), 600, false)
    expectAttributes(cookies.get('refresh_token'), t.deps.policy.refreshTokenTtl / SEC, false)

    t.clock.advance(DAY)
    t.client.jar.delete('access_token')
    const transparent = await t.client.request('/profile')
    expect(transparent.status).toBe(200)
    expect(transparent.headers.get('cache-control')).toBe('no-store')
    cookies = parseSetCookies(transparent)
    expectAttributes(cookies.get('access_token'), 600, false)
    expectAttributes(cookies.get('refresh_token'), t.deps.policy.refreshTokenTtl / SEC, false)
  })

  it('logout clears both with the same names and path and Max-Age=0', async () => {
    const t = await setup()
    await register(t)
    await t.client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
    const res = await t.client.request('/logout', { method: 'POST' })
    const cookies = parseSetCookies(res)
    expect([...cookies.keys()].sort()).toEqual(['access_token', 'refresh_token'])
    for (const cookie of cookies.values()) expectAttributes(cookie, 0, false)
  })

  it('reads the cookies by the names it sets them with', async () => {
    const t = await setup()
    await register(t)
    const login = await t.client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
    const cookies = parseSetCookies(login)
    const access = cookies.get('access_token')?.value
    const refresh = cookies.get('refresh_token')?.value
    expect(
      (await t.app.request('/session', { headers: { cookie: cookieHeader({ access_token: access }) } })).status,
    ).toBe(200)
    expect(
      (
        await t.app.request('/refresh', {
          method: 'POST',
          headers: { cookie: cookieHeader({ refresh_token: refresh }) },
        })
      ).status,
    ).toBe(200)
    // Other spellings are not the cookie.
    for (const name of ['accessToken', 'Access_Token', 'jwt', 'token']) {
      expect((await t.app.request('/session', { headers: { cookie: `${name}=${access}` } })).status).toBe(401)
    }
  })

  describe('with COOKIE_SECURE', () => {
    const secure = () => setup({ config: { cookieSecure: true } })

    it('sets Secure cookies named __Host-access_token and __Host-refresh_token, and reads them back', async () => {
      const t = await secure()
      await register(t)
      const res = await t.client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
      const cookies = parseSetCookies(res)
      expect([...cookies.keys()].sort()).toEqual(['__Host-access_token', '__Host-refresh_token'])
      expectAttributes(cookies.get('__Host-access_token'), 600, true)
      expectAttributes(cookies.get('__Host-refresh_token'), t.deps.policy.refreshTokenTtl / SEC, true)
      expect((await t.client.request('/session')).status).toBe(200)
      expect((await t.client.request('/refresh', { method: 'POST' })).status).toBe(200)
      t.client.jar.delete('__Host-access_token')
      const transparent = await t.client.request('/profile')
      expect(transparent.status).toBe(200)
      expect([...parseSetCookies(transparent).keys()].sort()).toEqual(['__Host-access_token', '__Host-refresh_token'])
    })

    it('clears with the __Host- names, Secure, Path=/ and Max-Age=0', async () => {
      const t = await secure()
      await register(t)
      await t.client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
      const res = await t.client.request('/logout', { method: 'POST' })
      expect(res.status).toBe(204)
      const cookies = parseSetCookies(res)
      expect([...cookies.keys()].sort()).toEqual(['__Host-access_token', '__Host-refresh_token'])
      for (const cookie of cookies.values()) expectAttributes(cookie, 0, true)
      expect(t.client.jar.size).toBe(0)
    })

    it('ignores cookies without the __Host- prefix', async () => {
      const t = await secure()
      await register(t)
      const login = await t.client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
      const cookies = parseSetCookies(login)
      const cookie = cookieHeader({
        access_token: cookies.get('__Host-access_token')?.value,
        refresh_token: cookies.get('__Host-refresh_token')?.value,
      })
      await expectProblem(await t.app.request('/session', { headers: { cookie } }), 401, 'unauthorized')
      await expectProblem(await t.app.request('/refresh', { method: 'POST', headers: { cookie } }), 401, 'unauthorized')
    })
  })

  it('login answers carry the expiry instants the cookies match', async () => {
    const t = await setup()
    await register(t)
    const now = t.clock.now()
    const res = await t.client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
    const body = await bodyOf(res)
    const cookies = parseSetCookies(res)
    const refreshEnd = Date.parse(body.refreshTokenExpiresAt as string)
    expect(refreshEnd - now).toBe(Number(cookies.get('refresh_token')?.attrs.get('max-age')) * SEC)
  })
})

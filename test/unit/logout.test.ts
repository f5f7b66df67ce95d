import { describe, expect, it } from 'vitest'
import { logout, logoutAll } from '../../src/application/logout.js'
import { refresh } from '../../src/application/refresh.js'
import { identityOf, loggedIn, makeDeps, registered, SEC, tamperAt, type UnitDeps } from './unit-deps.js'

const ip = '192.0.2.1'

async function start() {
  const deps = await makeDeps()
  await registered(deps, 'ada@example.com')
  const login = await loggedIn(deps, 'ada@example.com')
  return { deps, login, sid: login.session.id, userId: login.session.userId }
}

const live = async (deps: UnitDeps, sid: Parameters<UnitDeps['sessions']['find']>[0]) =>
  (await deps.sessions.find(sid, deps.clock.now())) !== null

describe('logout', () => {
  it('revokes the session named by a valid access token, so its refresh token stops working', async () => {
    const { deps, login, sid, userId } = await start()
    expect(await logout(deps, { accessToken: login.accessToken, refreshToken: undefined, ip })).toEqual({
      revoked: [sid],
    })
    expect(await live(deps, sid)).toBe(false)
    expect(await refresh(deps, { refreshToken: login.refreshToken, ip })).toEqual({ ok: false, error: 'unauthorized' })
    expect(deps.log.named('logout')).toEqual([{ name: 'logout', fields: { userId, sessionId: sid, ip } }])
  })

  it('accepts an expired access token whose signature is good', async () => {
    const { deps, login, sid } = await start()
    deps.clock.advance(3600 * SEC)
    expect(await logout(deps, { accessToken: login.accessToken, refreshToken: undefined, ip })).toEqual({
      revoked: [sid],
    })
    expect(await live(deps, sid)).toBe(false)
  })

  it('falls back to a refresh token that passes its integrity check', async () => {
    const { deps, login, sid } = await start()
    const badAccess = tamperAt(login.accessToken, login.accessToken.length - 5)
    expect(await logout(deps, { accessToken: badAccess, refreshToken: login.refreshToken, ip })).toEqual({
      revoked: [sid],
    })
    expect(await live(deps, sid)).toBe(false)
  })

  it('revokes nothing for forged tokens naming a real session', async () => {
    const { deps, login, sid } = await start()
    const forgedRefresh = `${sid}.0.${'A'.repeat(43)}`
    const forgedAccess = tamperAt(login.accessToken, login.accessToken.length - 5)
    expect(await logout(deps, { accessToken: forgedAccess, refreshToken: forgedRefresh, ip })).toEqual({
      revoked: [],
    })
    expect(await logout(deps, { accessToken: undefined, refreshToken: undefined, ip })).toEqual({ revoked: [] })
    expect(await live(deps, sid)).toBe(true)
    expect(deps.log.named('logout')).toEqual([])
  })

  it('is idempotent', async () => {
    const { deps, login, sid } = await start()
    expect(
      (await logout(deps, { accessToken: login.accessToken, refreshToken: login.refreshToken, ip })).revoked,
    ).toEqual([sid])
    expect(await logout(deps, { accessToken: login.accessToken, refreshToken: login.refreshToken, ip })).toEqual({
      revoked: [],
    })
  })

  it('revokes both sessions when the access token and the refresh cookie name different ones', async () => {
    const { deps, login, sid, userId } = await start()
    const other = await loggedIn(deps, 'ada@example.com')
    const result = await logout(deps, { accessToken: login.accessToken, refreshToken: other.refreshToken, ip })
    expect(result.revoked.sort()).toEqual([sid, other.session.id].sort())
    expect(await live(deps, sid)).toBe(false)
    expect(await live(deps, other.session.id)).toBe(false)
    expect(deps.log.named('logout').map((e) => e.fields.sessionId)).toEqual([sid, other.session.id])
    expect(deps.log.named('logout').every((e) => e.fields.userId === userId)).toBe(true)
  })

  it('revokes the session of a valid refresh token beside a forged access token, and no other', async () => {
    const { deps, login, sid } = await start()
    const other = await loggedIn(deps, 'ada@example.com')
    const forgedAccess = tamperAt(other.accessToken, other.accessToken.length - 5)
    expect(await logout(deps, { accessToken: forgedAccess, refreshToken: login.refreshToken, ip })).toEqual({
      revoked: [sid],
    })
    expect(await live(deps, other.session.id)).toBe(true)
  })

  it('revokes only the session it names', async () => {
    const { deps, login } = await start()
    const other = await loggedIn(deps, 'ada@example.com')
    await logout(deps, { accessToken: login.accessToken, refreshToken: undefined, ip })
    expect(await live(deps, other.session.id)).toBe(true)
  })
})

describe('logoutAll', () => {
  it("revokes every session of the user and no one else's", async () => {
    const deps = await makeDeps()
    await registered(deps, 'ada@example.com')
    await registered(deps, 'bob@example.com')
    const mine = [
      await loggedIn(deps, 'ada@example.com'),
      await loggedIn(deps, 'ada@example.com'),
      await loggedIn(deps, 'ada@example.com'),
    ]
    const bob = await loggedIn(deps, 'bob@example.com')
    const caller = mine[0]
    if (!caller) throw new Error('no user')
    const userId = caller.session.userId
    const identity = identityOf(caller)
    expect(await logoutAll(deps, { identity, ip })).toEqual({ ok: true, value: { revoked: 3 } })
    for (const m of mine) {
      expect(await live(deps, m.session.id)).toBe(false)
      expect((await refresh(deps, { refreshToken: m.refreshToken, ip })).ok).toBe(false)
    }
    expect(await live(deps, bob.session.id)).toBe(true)
    expect(deps.log.named('logout_all')).toEqual([{ name: 'logout_all', fields: { userId, revoked: 3, ip } }])
  })

  it('refuses a caller whose own session was revoked behind a valid access token, and revokes nothing', async () => {
    const deps = await makeDeps()
    await registered(deps, 'ada@example.com')
    const phone = await loggedIn(deps, 'ada@example.com')
    const laptop = await loggedIn(deps, 'ada@example.com')
    await deps.sessions.revoke(laptop.session.id)
    expect(await logoutAll(deps, { identity: identityOf(laptop), ip })).toEqual({ ok: false, error: 'unauthorized' })
    expect(await live(deps, phone.session.id)).toBe(true)
    expect(deps.log.named('logout_all')).toEqual([])
  })
})

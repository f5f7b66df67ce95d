import { describe, expect, it, vi } from 'vitest'
import { createAccessTokens } from '../../src/adapters/crypto/access-tokens.js'
import { authorizeRequest } from '../../src/application/authorize-request.js'
import { refresh } from '../../src/application/refresh.js'
import { seconds } from '../../src/domain/units.js'
import { loggedIn, makeDeps, registered, SEC, tamperAt, type UnitDeps } from './unit-deps.js'

const ip = '192.0.2.1'

async function start() {
  const deps = await makeDeps()
  await registered(deps, 'ada@example.com')
  const login = await loggedIn(deps, 'ada@example.com')
  return { deps, login, sid: login.session.id, userId: login.session.userId }
}

const authorize = (deps: UnitDeps, accessToken: string | undefined, refreshToken: string | undefined) =>
  authorizeRequest(deps, { accessToken, refreshToken, ip })

const generationOf = async (deps: UnitDeps, sid: Parameters<UnitDeps['sessions']['find']>[0]) =>
  (await deps.sessions.find(sid, deps.clock.now()))?.generation

describe('authorizeRequest', () => {
  it('admits a valid access token with no store read and nothing rotated', async () => {
    const { deps, login, sid, userId } = await start()
    const find = vi.spyOn(deps.sessions, 'find')
    const rotate = vi.spyOn(deps.sessions, 'rotate')
    deps.clock.advance(599 * SEC)
    const result = await authorize(deps, login.accessToken, login.refreshToken)
    expect(result).toEqual({
      ok: true,
      value: { identity: { userId, sessionId: sid, roles: [], accessTokenExpiresAt: login.accessTokenExpiresAt } },
    })
    expect(find).not.toHaveBeenCalled()
    expect(rotate).not.toHaveBeenCalled()
  })

  it('rotates the pair when the access token has expired and the refresh token is valid', async () => {
    const { deps, login, sid, userId } = await start()
    deps.clock.advance(700 * SEC)
    const result = await authorize(deps, login.accessToken, login.refreshToken)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.value.identity).toEqual({
      userId,
      sessionId: sid,
      roles: [],
      accessTokenExpiresAt: deps.clock.now() + 600 * SEC,
      sessionConfirmed: true,
    })
    const refreshed = result.value.refreshed
    expect(refreshed).toBeDefined()
    expect(await deps.refreshTokens.open(refreshed?.refreshToken ?? '')).toEqual({ sessionId: sid, generation: 1 })
    expect((await deps.accessTokens.verify(refreshed?.accessToken ?? '', deps.clock.now())).valid).toBe(true)
    expect(await generationOf(deps, sid)).toBe(1)
  })

  it("costs one MAC check, one rotation and one user read when the expired token names the refresh token's session", async () => {
    const { deps, login } = await start()
    const open = vi.spyOn(deps.refreshTokens, 'open')
    const find = vi.spyOn(deps.sessions, 'find')
    const rotate = vi.spyOn(deps.sessions, 'rotate')
    const user = vi.spyOn(deps.users, 'findById')
    deps.clock.advance(700 * SEC)
    expect((await authorize(deps, login.accessToken, login.refreshToken)).ok).toBe(true)
    expect(open).toHaveBeenCalledTimes(1)
    expect(find).not.toHaveBeenCalled()
    expect(rotate).toHaveBeenCalledTimes(1)
    // The roles the new token carries are the account's as they are now.
    expect(user).toHaveBeenCalledTimes(1)
  })

  it('reads the owner first only when the expired token names another session of the same user', async () => {
    const { deps, login } = await start()
    const other = await loggedIn(deps, 'ada@example.com')
    const find = vi.spyOn(deps.sessions, 'find')
    deps.clock.advance(700 * SEC)
    const result = await authorize(deps, login.accessToken, other.refreshToken)
    expect(result.ok && result.value.identity.sessionId).toBe(other.session.id)
    expect(find).toHaveBeenCalledTimes(1)
  })

  it('rotates the pair when there is no access token at all', async () => {
    const { deps, login, sid, userId } = await start()
    const result = await authorize(deps, undefined, login.refreshToken)
    expect(result.ok && result.value.identity.userId).toBe(userId)
    expect(result.ok && result.value.refreshed !== undefined).toBe(true)
    expect(await generationOf(deps, sid)).toBe(1)
  })

  it('is unauthorized with an expired access token and no refresh token', async () => {
    const { deps, login } = await start()
    deps.clock.advance(700 * SEC)
    expect(await authorize(deps, login.accessToken, undefined)).toEqual({ ok: false, error: 'unauthorized' })
    expect(await authorize(deps, undefined, undefined)).toEqual({ ok: false, error: 'unauthorized' })
  })

  it('refuses an invalid access token without attempting a refresh, even beside a good refresh token', async () => {
    const { deps, login, sid } = await start()
    const rotate = vi.spyOn(deps.sessions, 'rotate')
    const otherSigner = await createAccessTokens({
      secret: 'a-completely-different-secret-0123456789',
      ttl: seconds(600),
    })
    const foreign = (
      await otherSigner.issue({ userId: login.session.userId, sessionId: sid, roles: [] }, deps.clock.now())
    ).token
    const [h, p, s] = login.accessToken.split('.') as [string, string, string]
    const invalid = [tamperAt(login.accessToken, login.accessToken.length - 5), foreign, `${h}.${p}.`, `${h}.${p}`, s]
    for (const token of invalid) {
      expect(await authorize(deps, token, login.refreshToken)).toEqual({ ok: false, error: 'unauthorized' })
    }
    // Expired and badly signed is invalid, not expired: still no refresh.
    deps.clock.advance(700 * SEC)
    const expiredForged = tamperAt(login.accessToken, login.accessToken.length - 5)
    expect(await authorize(deps, expiredForged, login.refreshToken)).toEqual({ ok: false, error: 'unauthorized' })
    expect(rotate).not.toHaveBeenCalled()
    expect(await generationOf(deps, sid)).toBe(0)
  })

  it("refuses an expired access token of one user beside another user's refresh token, rotating nothing", async () => {
    const deps = await makeDeps()
    await registered(deps, 'alice@example.com')
    await registered(deps, 'bob@example.com')
    const alice = await loggedIn(deps, 'alice@example.com')
    const bob = await loggedIn(deps, 'bob@example.com')
    const rotate = vi.spyOn(deps.sessions, 'rotate')
    deps.clock.advance(700 * SEC)
    expect(await authorize(deps, bob.accessToken, alice.refreshToken)).toEqual({ ok: false, error: 'unauthorized' })
    expect(rotate).not.toHaveBeenCalled()
    expect(await generationOf(deps, alice.session.id)).toBe(0)
    expect(await generationOf(deps, bob.session.id)).toBe(0)
    // Alice's refresh token still works for Alice.
    const own = await authorize(deps, alice.accessToken, alice.refreshToken)
    expect(own.ok && own.value.identity.userId).toBe(alice.session.userId)
  })

  it('takes the identity from the refresh session, and answers a replayed refresh token with refresh_reused', async () => {
    const { deps, login, sid } = await start()
    const rotated = await refresh(deps, { refreshToken: login.refreshToken, ip })
    expect(rotated.ok).toBe(true)
    deps.clock.advance(700 * SEC)
    expect(await authorize(deps, login.accessToken, login.refreshToken)).toEqual({
      ok: false,
      error: 'refresh_reused',
    })
    expect(await deps.sessions.find(sid, deps.clock.now())).toBeNull()
  })

  it('refuses a forged refresh token beside an expired access token', async () => {
    const { deps, login, sid } = await start()
    deps.clock.advance(700 * SEC)
    const forged = `${sid}.0.${'A'.repeat(43)}`
    expect(await authorize(deps, login.accessToken, forged)).toEqual({ ok: false, error: 'unauthorized' })
    expect(await authorize(deps, undefined, forged)).toEqual({ ok: false, error: 'unauthorized' })
    expect(await generationOf(deps, sid)).toBe(0)
  })
})

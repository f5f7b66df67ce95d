import { describe, expect, it, vi } from 'vitest'
import { createRefreshTokens } from '../../src/adapters/crypto/refresh-tokens.js'
import type { AuthPolicy } from '../../src/application/deps.js'
import { refresh } from '../../src/application/refresh.js'
import { seconds } from '../../src/domain/units.js'
import { gen } from '../support/fixtures.js'
import { DAY, loggedIn, makeDeps, registered, SEC, tamperAt, type UnitDeps } from './unit-deps.js'

const ip = '192.0.2.1'

async function start(policy: Partial<AuthPolicy> = {}) {
  const deps = await makeDeps({ policy })
  await registered(deps, 'ada@example.com')
  const login = await loggedIn(deps, 'ada@example.com')
  return { deps, login, sid: login.session.id }
}

const rotate = async (deps: UnitDeps, refreshToken: string | undefined) => refresh(deps, { refreshToken, ip })

const mustRotate = async (deps: UnitDeps, refreshToken: string) => {
  const r = await rotate(deps, refreshToken)
  if (!r.ok) throw new Error(`refresh failed: ${r.error}`)
  return r.value
}

describe('refresh', () => {
  it('rotates: a new refresh token for the next generation, a new access token, the session renewed', async () => {
    const { deps, login, sid } = await start()
    deps.clock.advance(60 * SEC)
    const now = deps.clock.now()
    const r = await mustRotate(deps, login.refreshToken)
    expect(r.refreshToken).not.toBe(login.refreshToken)
    expect(await deps.refreshTokens.open(r.refreshToken)).toEqual({ sessionId: sid, generation: 1 })
    expect(r.session).toMatchObject({
      id: sid,
      generation: 1,
      rotatedAt: now,
      lastUsedAt: now,
      expiresAt: now + 30 * DAY,
    })
    expect(await deps.sessions.find(sid, now)).toEqual(r.session)
    expect(r.refreshTokenExpiresAt).toBe(now + 30 * DAY)
    expect(r.accessTokenExpiresAt).toBe(now + 600 * SEC)
    expect(await deps.accessTokens.verify(r.accessToken, now)).toMatchObject({
      valid: true,
      claims: { sub: login.session.userId, sid },
    })
    expect(deps.log.named('refresh')).toEqual([
      { name: 'refresh', fields: { userId: login.session.userId, sessionId: sid, grace: false, ip } },
    ])
  })

  it('answers the previous token within the grace window with the very same successor', async () => {
    const { deps, login, sid } = await start()
    const winner = await mustRotate(deps, login.refreshToken)
    deps.clock.advance(10 * SEC)
    const racer = await mustRotate(deps, login.refreshToken)
    expect(racer.refreshToken).toBe(winner.refreshToken)
    expect(racer.session.generation).toBe(1)
    expect((await deps.sessions.find(sid, deps.clock.now()))?.generation).toBe(1)
    expect(deps.log.named('refresh').map((e) => e.fields.grace)).toEqual([false, true])
    // The successor both hold still works.
    expect((await mustRotate(deps, racer.refreshToken)).session.generation).toBe(2)
  })

  it('treats the previous token after the grace window as reuse and revokes the session', async () => {
    const { deps, login, sid } = await start()
    const next = await mustRotate(deps, login.refreshToken)
    deps.clock.advance(10 * SEC + 1)
    expect(await rotate(deps, login.refreshToken)).toEqual({ ok: false, error: 'refresh_reused' })
    expect(await deps.sessions.find(sid, deps.clock.now())).toBeNull()
    expect(await rotate(deps, next.refreshToken)).toEqual({ ok: false, error: 'unauthorized' })
    expect(deps.log.named('refresh_reused')).toEqual([
      { name: 'refresh_reused', fields: { userId: login.session.userId, sessionId: sid, ip } },
    ])
  })

  it('treats an older generation as reuse even within the grace window', async () => {
    const { deps, login, sid } = await start()
    const g1 = await mustRotate(deps, login.refreshToken)
    const g2 = await mustRotate(deps, g1.refreshToken)
    expect(await rotate(deps, login.refreshToken)).toEqual({ ok: false, error: 'refresh_reused' })
    expect(await deps.sessions.find(sid, deps.clock.now())).toBeNull()
    expect(await rotate(deps, g2.refreshToken)).toEqual({ ok: false, error: 'unauthorized' })
  })

  it('refuses a forged MAC naming a real session without touching the store', async () => {
    const { deps, login, sid } = await start()
    const rotateSpy = vi.spyOn(deps.sessions, 'rotate')
    const findSpy = vi.spyOn(deps.sessions, 'find')
    const revokeSpy = vi.spyOn(deps.sessions, 'revoke')
    const otherKey = await createRefreshTokens('another-secret-of-sufficient-length-000000')
    const forgeries = [
      tamperAt(login.refreshToken, login.refreshToken.length - 10),
      tamperAt(login.refreshToken, 3),
      `${sid}.0.${'A'.repeat(43)}`,
      `${sid}.1.${login.refreshToken.split('.')[2]}`,
      await otherKey.issue(sid, gen(0)),
      'garbage',
      '',
    ]
    for (const token of forgeries) expect(await rotate(deps, token)).toEqual({ ok: false, error: 'unauthorized' })
    expect(await rotate(deps, undefined)).toEqual({ ok: false, error: 'unauthorized' })
    expect(rotateSpy).not.toHaveBeenCalled()
    expect(findSpy).not.toHaveBeenCalled()
    expect(revokeSpy).not.toHaveBeenCalled()
    expect(deps.log.named('refresh_reused')).toEqual([])
    expect((await mustRotate(deps, login.refreshToken)).session.generation).toBe(1)
  })

  it('slides the expiry on each rotation; an unused session ends after REFRESH_TOKEN_TTL', async () => {
    const { deps, login, sid } = await start()
    deps.clock.advance(29 * DAY)
    const r1 = await mustRotate(deps, login.refreshToken)
    expect(r1.session.expiresAt).toBe(deps.clock.now() + 30 * DAY)
    deps.clock.advance(30 * DAY - 1)
    const r2 = await mustRotate(deps, r1.refreshToken)
    deps.clock.advance(30 * DAY)
    expect(await rotate(deps, r2.refreshToken)).toEqual({ ok: false, error: 'unauthorized' })
    expect(await deps.sessions.find(sid, deps.clock.now())).toBeNull()
  })

  it('never extends a session past the absolute lifetime', async () => {
    const { deps, login } = await start({
      refreshTokenTtl: seconds(10 * 86_400),
      sessionMaxLifetime: seconds(25 * 86_400),
    })
    const absolute = login.session.absoluteExpiresAt
    expect(absolute).toBe(deps.clock.now() + 25 * DAY)
    deps.clock.advance(9 * DAY)
    const r1 = await mustRotate(deps, login.refreshToken)
    expect(r1.session.expiresAt).toBe(deps.clock.now() + 10 * DAY)
    deps.clock.advance(9 * DAY)
    const r2 = await mustRotate(deps, r1.refreshToken)
    expect(r2.session.expiresAt).toBe(absolute)
    expect(r2.refreshTokenExpiresAt).toBe(absolute)
    deps.clock.advance(7 * DAY - 1)
    const r3 = await mustRotate(deps, r2.refreshToken)
    expect(r3.session.expiresAt).toBe(absolute)
    deps.clock.advance(1)
    expect(await rotate(deps, r3.refreshToken)).toEqual({ ok: false, error: 'unauthorized' })
  })

  it('answers a revoked session as unauthorized, not reuse', async () => {
    const { deps, login, sid } = await start()
    await deps.sessions.revoke(sid)
    expect(await rotate(deps, login.refreshToken)).toEqual({ ok: false, error: 'unauthorized' })
  })

  it('limits POST /refresh per client IP per minute', async () => {
    const { deps, login } = await start({ rateLimitPerMinute: 2 })
    const r1 = await refresh(deps, { refreshToken: login.refreshToken, ip })
    if (!r1.ok) throw new Error(r1.error)
    const r2 = await refresh(deps, { refreshToken: r1.value.refreshToken, ip })
    if (!r2.ok) throw new Error(r2.error)
    const limited = await refresh(deps, { refreshToken: r2.value.refreshToken, ip })
    // The clock has not moved since the window opened: all 60 s of it (in ms) to go.
    expect(limited).toEqual({ ok: false, error: 'rate_limited', retryAfter: 60 * SEC })
    // The limited request rotated nothing: its token is still the current one.
    expect((await refresh(deps, { refreshToken: r2.value.refreshToken, ip: '198.51.100.3' })).ok).toBe(true)
  })
})

import { describe, expect, it } from 'vitest'
import { login } from '../../src/application/login.js'
import { listSessions, revokeSession } from '../../src/application/sessions.js'
import { DAY, identityOf, loggedIn, makeDeps, PASSWORD, registered, SEC } from './unit-deps.js'

const ip = '192.0.2.1'

async function threeSessions() {
  const deps = await makeDeps()
  await registered(deps, 'ada@example.com')
  await registered(deps, 'bob@example.com')
  const logins = []
  for (const agent of ['phone', 'laptop', 'tablet']) {
    const r = await login(deps, { email: 'ada@example.com', password: PASSWORD, ip, userAgent: agent })
    if (!r.ok) throw new Error(r.error)
    logins.push(r.value)
    deps.clock.advance(60 * SEC)
  }
  const bob = await loggedIn(deps, 'bob@example.com')
  const [phone, laptop, tablet] = logins as [(typeof logins)[0], (typeof logins)[0], (typeof logins)[0]]
  return { deps, phone, laptop, tablet, bob }
}

describe('listSessions', () => {
  it("lists the caller's live sessions, newest first, marking the current one", async () => {
    const { deps, phone, laptop, tablet } = await threeSessions()
    const listed = await listSessions(deps, identityOf(laptop))
    if (!listed.ok) throw new Error(listed.error)
    const { sessions } = listed.value
    expect(sessions).toEqual(
      [tablet, laptop, phone].map(({ session: s }) => ({
        id: s.id,
        createdAt: s.createdAt,
        lastUsedAt: s.lastUsedAt,
        expiresAt: s.expiresAt,
        userAgent: s.userAgent,
        current: s.id === laptop.session.id,
      })),
    )
    expect(sessions.filter((s) => s.current)).toHaveLength(1)
  })

  it('leaves out revoked and expired sessions', async () => {
    const { deps, phone, laptop, tablet } = await threeSessions()
    await deps.sessions.revoke(phone.session.id)
    const listed = await listSessions(deps, identityOf(laptop))
    expect(listed.ok && listed.value.sessions.map((s) => s.id)).toEqual([tablet.session.id, laptop.session.id])
    await deps.sessions.revoke(tablet.session.id)
    const after = await listSessions(deps, identityOf(laptop))
    expect(after.ok && after.value.sessions.map((s) => s.id)).toEqual([laptop.session.id])
  })

  it('refuses a caller whose own session is revoked or expired behind a still-valid access token', async () => {
    const { deps, phone, laptop } = await threeSessions()
    await deps.sessions.revoke(laptop.session.id)
    expect(await listSessions(deps, identityOf(laptop))).toEqual({ ok: false, error: 'unauthorized' })
    expect((await listSessions(deps, identityOf(phone))).ok).toBe(true)
    deps.clock.advance(31 * DAY)
    expect(await listSessions(deps, identityOf(phone))).toEqual({ ok: false, error: 'unauthorized' })
  })
})

describe('revokeSession', () => {
  it('revokes another session of the caller and says it was not the current one', async () => {
    const { deps, phone, laptop } = await threeSessions()
    expect(await revokeSession(deps, { identity: identityOf(laptop), sessionId: phone.session.id, ip })).toEqual({
      ok: true,
      value: { current: false },
    })
    expect(await deps.sessions.find(phone.session.id, deps.clock.now())).toBeNull()
    expect(await deps.sessions.find(laptop.session.id, deps.clock.now())).not.toBeNull()
    expect(deps.log.named('session_revoked')).toEqual([
      { name: 'session_revoked', fields: { userId: phone.session.userId, sessionId: phone.session.id, ip } },
    ])
  })

  it('says so when the caller revokes the current session', async () => {
    const { deps, laptop } = await threeSessions()
    expect(await revokeSession(deps, { identity: identityOf(laptop), sessionId: laptop.session.id, ip })).toEqual({
      ok: true,
      value: { current: true },
    })
    expect(await deps.sessions.find(laptop.session.id, deps.clock.now())).toBeNull()
  })

  it('refuses a caller whose own session was revoked behind a still-valid access token, and revokes nothing', async () => {
    const { deps, phone, laptop } = await threeSessions()
    await deps.sessions.revoke(laptop.session.id)
    for (const sessionId of [phone.session.id, laptop.session.id]) {
      expect(await revokeSession(deps, { identity: identityOf(laptop), sessionId, ip })).toEqual({
        ok: false,
        error: 'unauthorized',
      })
    }
    expect(await deps.sessions.find(phone.session.id, deps.clock.now())).not.toBeNull()
    expect(deps.log.named('session_revoked')).toEqual([])
  })

  it("answers not_found for another user's session and leaves it alone", async () => {
    const { deps, laptop, bob } = await threeSessions()
    expect(await revokeSession(deps, { identity: identityOf(laptop), sessionId: bob.session.id, ip })).toEqual({
      ok: false,
      error: 'not_found',
    })
    expect(await deps.sessions.find(bob.session.id, deps.clock.now())).not.toBeNull()
  })

  it('answers not_found for an id that is not shaped like one, without asking the store', async () => {
    const { deps, laptop } = await threeSessions()
    const find = deps.sessions.find.bind(deps.sessions)
    let lookups = 0
    const counting = {
      ...deps,
      sessions: {
        ...deps.sessions,
        find: (...a: Parameters<typeof find>) => {
          lookups++
          return find(...a)
        },
      },
    }
    for (const sessionId of ['x'.repeat(600), 'short', '../etc/passwd', 'has space in it at all']) {
      expect(await revokeSession(counting, { identity: identityOf(laptop), sessionId, ip })).toEqual({
        ok: false,
        error: 'not_found',
      })
    }
    expect(lookups).toBe(0)
  })

  it('answers not_found for an unknown or already revoked id', async () => {
    const { deps, phone, laptop } = await threeSessions()
    const identity = identityOf(laptop)
    expect(await revokeSession(deps, { identity, sessionId: 'no-such-session', ip })).toEqual({
      ok: false,
      error: 'not_found',
    })
    await revokeSession(deps, { identity, sessionId: phone.session.id, ip })
    expect(await revokeSession(deps, { identity, sessionId: phone.session.id, ip })).toEqual({
      ok: false,
      error: 'not_found',
    })
  })
})

import { describe, expect, it } from 'vitest'
import type { Identity } from '../../src/application/deps.js'
import { getProfile, updateProfile } from '../../src/application/profile.js'
import type { SessionId } from '../../src/domain/session.js'
import type { UserId } from '../../src/domain/user.js'
import { at } from '../support/fixtures.js'
import { identityOf, loggedIn, makeDeps, registered } from './unit-deps.js'

async function start() {
  const deps = await makeDeps()
  await registered(deps, 'ada@example.com')
  const login = await loggedIn(deps, 'ada@example.com')
  return { deps, identity: identityOf(login), user: login.user }
}

const ghost: Identity = {
  userId: 'no-such-user' as UserId,
  sessionId: 'no-such-session' as SessionId,
  roles: [],
  accessTokenExpiresAt: at(0),
}

describe('getProfile', () => {
  it("answers the caller's public view, never the password hash", async () => {
    const { deps, identity, user } = await start()
    const result = await getProfile(deps, identity)
    expect(result).toEqual({ ok: true, value: user })
    expect(Object.keys(result.ok ? result.value : {}).sort()).toEqual([
      'createdAt',
      'email',
      'emailVerified',
      'id',
      'name',
      'roles',
    ])
  })

  it('is unauthorized for a user that no longer exists', async () => {
    const { deps } = await start()
    expect(await getProfile(deps, ghost)).toEqual({ ok: false, error: 'unauthorized' })
  })
})

describe('updateProfile', () => {
  it('stores the NFKC, trimmed name and answers the updated user', async () => {
    const { deps, identity, user } = await start()
    const result = await updateProfile(deps, { identity, name: '  Ａｄａ Lovelace ' })
    expect(result).toEqual({ ok: true, value: { ...user, name: 'Ada Lovelace' } })
    expect((await deps.users.findById(identity.userId))?.name).toBe('Ada Lovelace')
    expect(await getProfile(deps, identity)).toEqual(result)
  })

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['a control character', 'Ada\u0000'],
    ['a line separator', 'Ada\u2028Lovelace'],
    ['101 code points', 'é'.repeat(101)],
    ['ill-formed UTF-16 (a lone surrogate)', 'Ada\ud800'],
  ])('refuses a name that is %s and changes nothing', async (_, name) => {
    const { deps, identity } = await start()
    await updateProfile(deps, { identity, name: 'Before' })
    const result = await updateProfile(deps, { identity, name })
    expect(result.ok === false && result.error).toBe('invalid_request')
    expect((await deps.users.findById(identity.userId))?.name).toBe('Before')
  })

  it('is unauthorized for a user that no longer exists', async () => {
    const { deps } = await start()
    expect(await updateProfile(deps, { identity: ghost, name: 'Ghost' })).toEqual({ ok: false, error: 'unauthorized' })
  })

  it("is unauthorized, and renames nothing, when the caller's session was revoked behind a valid access token", async () => {
    const { deps, identity } = await start()
    await deps.sessions.revoke(identity.sessionId)
    expect(await updateProfile(deps, { identity, name: 'Mallory' })).toEqual({ ok: false, error: 'unauthorized' })
    expect((await deps.users.findById(identity.userId))?.name).not.toBe('Mallory')
  })
})

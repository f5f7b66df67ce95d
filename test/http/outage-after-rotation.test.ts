import { describe, expect, it } from 'vitest'
import { storeUnavailable } from '../../src/adapters/stores/outage.js'
import type { Deps } from '../../src/application/deps.js'
import { expectProblem, SEC, setsCookies, setupInstrumented, signedIn } from './helpers.js'

/**
 * Security review of issue 7 (f): a store that fails *after* a transparent refresh rotated the
 * session. The rotation happened, so the answer, though a 503, must carry the rotated cookies:
 * without them the client would later present a superseded token.
 */
describe('an outage after a transparent refresh', () => {
  it('answers 503 with the rotated cookies, and the new pair works once the store is back', async () => {
    const t = await setupInstrumented()
    const { client } = await signedIn(t, 'ada@example.com')
    const before = new Map(client.jar)
    t.clock.advance(3600 * SEC)
    // Sessions still answer, so the rotation runs; the account read that GET /profile makes fails.
    const users = t.deps.users
    ;(t.deps as { users: Deps['users'] }).users = {
      ...users,
      findById: () => Promise.reject(storeUnavailable('unreachable')),
    }
    const res = await client.request('/profile')
    expect(setsCookies(res)).toBe(true)
    expect(Number(res.headers.get('retry-after'))).toBe(5)
    await expectProblem(res, 503, 'store_unavailable')
    expect(client.jar.get('refresh_token')).not.toBe(before.get('refresh_token'))
    expect(client.jar.get('access_token')).not.toBe(before.get('access_token'))

    ;(t.deps as { users: Deps['users'] }).users = users
    // The rotation could not read the account either, so its access token lives 60 s
    // (UNREAD_ACCOUNT_TOKEN_TTL): well within that, it works as it is.
    expect((await client.request('/profile')).status).toBe(200)
    t.clock.advance(120 * SEC) // past the grace window and that token: only the new refresh token can work
    const again = await client.request('/profile')
    expect(again.status).toBe(200)
    expect(setsCookies(again)).toBe(true) // a transparent refresh of the new pair, not a reuse
    const refreshed = await client.request('/refresh', { method: 'POST' })
    expect(refreshed.status).toBe(200)
  })
})

import { describe, expect, it } from 'vitest'
import { TestClient } from '../support/app-harness.js'
import { parseSetCookies } from '../support/set-cookie.js'
import { alive, bodyOf, DAY, expectProblem, logIn, refreshWith, SEC, setsCookies, setup, signedIn } from './helpers.js'

interface View {
  id: string
  createdAt: string
  lastUsedAt: string
  expiresAt: string
  userAgent: string | null
  current: boolean
}

const list = async (client: TestClient): Promise<View[]> => {
  const res = await client.request('/sessions')
  expect(res.status).toBe(200)
  return ((await bodyOf(res)) as { sessions: View[] }).sessions
}

describe('GET /sessions', () => {
  it('lists the caller’s sessions as {id, createdAt, lastUsedAt, expiresAt, userAgent, current}', async () => {
    const t = await setup()
    const firstAt = t.clock.now()
    const one = await signedIn(t, 'ada@example.com', { headers: { 'user-agent': 'Firefox/140' } })
    t.clock.advance(60 * SEC)
    const secondAt = t.clock.now()
    const two = await logIn(t, 'ada@example.com', { headers: { 'user-agent': 'Safari/18' } })
    await signedIn(t, 'bob@example.com')

    const sessions = await list(one.client)
    expect(sessions).toHaveLength(2)
    for (const s of sessions) {
      expect(Object.keys(s).sort()).toEqual(['createdAt', 'current', 'expiresAt', 'id', 'lastUsedAt', 'userAgent'])
    }
    const byId = new Map(sessions.map((s) => [s.id, s]))
    expect(byId.get(one.sessionId)).toEqual({
      id: one.sessionId,
      createdAt: new Date(firstAt).toISOString(),
      lastUsedAt: new Date(firstAt).toISOString(),
      expiresAt: new Date(firstAt + 30 * DAY).toISOString(),
      userAgent: 'Firefox/140',
      current: true,
    })
    expect(byId.get(two.sessionId)).toEqual({
      id: two.sessionId,
      createdAt: new Date(secondAt).toISOString(),
      lastUsedAt: new Date(secondAt).toISOString(),
      expiresAt: new Date(secondAt + 30 * DAY).toISOString(),
      userAgent: 'Safari/18',
      current: false,
    })
    // Seen from the other session, the flag moves.
    const fromTwo = await list(two.client)
    expect(fromTwo.find((s) => s.current)?.id).toBe(two.sessionId)
    expect(fromTwo.filter((s) => s.current)).toHaveLength(1)
  })

  it('shows a rotation in lastUsedAt and expiresAt, and a null userAgent when none was sent', async () => {
    const t = await setup()
    const { client, sessionId } = await signedIn(t, 'ada@example.com')
    t.clock.advance(DAY)
    expect((await client.request('/refresh', { method: 'POST' })).status).toBe(200)
    const [s] = await list(client)
    expect(s?.id).toBe(sessionId)
    expect(s?.lastUsedAt).toBe(new Date(t.clock.now()).toISOString())
    expect(s?.expiresAt).toBe(new Date(t.clock.now() + 30 * DAY).toISOString())
    expect(s?.userAgent).toBeNull()
  })

  it('leaves out revoked and expired sessions', async () => {
    const t = await setup()
    const one = await signedIn(t, 'ada@example.com')
    const two = await logIn(t, 'ada@example.com')
    await two.client.request('/logout', { method: 'POST' })
    expect((await list(one.client)).map((s) => s.id)).toEqual([one.sessionId])
    // A third session left unused past its sliding lifetime while the first stays busy.
    await logIn(t, 'ada@example.com')
    for (let i = 0; i < 2; i++) {
      t.clock.advance(20 * DAY)
      expect((await one.client.request('/refresh', { method: 'POST' })).status).toBe(200)
    }
    expect((await list(one.client)).map((s) => s.id)).toEqual([one.sessionId])
  })

  it('keeps at most MAX_SESSIONS_PER_USER sessions: a new login revokes the oldest of that user only', async () => {
    const t = await setup({ policy: { maxSessionsPerUser: 2 } })
    const first = await signedIn(t, 'ada@example.com')
    const bob = await signedIn(t, 'bob@example.com')
    t.clock.advance(SEC)
    const second = await logIn(t, 'ada@example.com')
    t.clock.advance(SEC)
    const third = await logIn(t, 'ada@example.com')
    expect(await alive(t, first.sessionId)).toBe(false)
    expect((await list(third.client)).map((s) => s.id).sort()).toEqual([second.sessionId, third.sessionId].sort())
    expect(await alive(t, bob.sessionId)).toBe(true)
    expect((await first.client.request('/refresh', { method: 'POST' })).status).toBe(401)
  })

  it('answers 401 without auth', async () => {
    const t = await setup()
    await expectProblem(await t.client.request('/sessions'), 401, 'unauthorized')
  })
})

describe('DELETE /sessions/:id', () => {
  it('revokes another of the caller’s sessions with 204 and leaves the caller’s cookies alone', async () => {
    const t = await setup()
    const one = await signedIn(t, 'ada@example.com')
    const two = await logIn(t, 'ada@example.com')
    const twoRefresh = two.client.jar.get('refresh_token') ?? ''
    const res = await one.client.request(`/sessions/${two.sessionId}`, { method: 'DELETE' })
    expect(res.status).toBe(204)
    expect(setsCookies(res)).toBe(false)
    expect(await alive(t, two.sessionId)).toBe(false)
    await expectProblem(await refreshWith(t, twoRefresh), 401, 'unauthorized')
    expect((await one.client.request('/refresh', { method: 'POST' })).status).toBe(200)
    expect((await list(one.client)).map((s) => s.id)).toEqual([one.sessionId])
  })

  it('revokes the caller’s own current session with 204 and clears its cookies', async () => {
    const t = await setup()
    const { client, sessionId } = await signedIn(t, 'ada@example.com')
    const refresh = client.jar.get('refresh_token') ?? ''
    const res = await client.request(`/sessions/${sessionId}`, { method: 'DELETE' })
    expect(res.status).toBe(204)
    const cookies = parseSetCookies(res)
    expect(cookies.get('access_token')?.attrs.get('max-age')).toBe('0')
    expect(cookies.get('refresh_token')?.attrs.get('max-age')).toBe('0')
    expect(cookies.get('refresh_token')?.attrs.get('path')).toBe('/')
    expect(await alive(t, sessionId)).toBe(false)
    await expectProblem(await refreshWith(t, refresh), 401, 'unauthorized')
  })

  it('answers 404 for someone else’s session and leaves it alone', async () => {
    const t = await setup()
    const ada = await signedIn(t, 'ada@example.com')
    const bob = await signedIn(t, 'bob@example.com')
    const res = await ada.client.request(`/sessions/${bob.sessionId}`, { method: 'DELETE' })
    await expectProblem(res, 404, 'not_found')
    expect(setsCookies(res)).toBe(false)
    expect(await alive(t, bob.sessionId)).toBe(true)
    expect((await bob.client.request('/refresh', { method: 'POST' })).status).toBe(200)
  })

  it.each(['does-not-exist', 'AAAAAAAAAAAAAAAAAAAAAA', '%00', 'x'.repeat(300)])(
    'answers 404 for an unknown id (%s)',
    async (id) => {
      const t = await setup()
      const { client } = await signedIn(t, 'ada@example.com')
      await expectProblem(await client.request(`/sessions/${id}`, { method: 'DELETE' }), 404, 'not_found')
    },
  )

  it('answers 404 for a session already revoked', async () => {
    const t = await setup()
    const one = await signedIn(t, 'ada@example.com')
    const two = await logIn(t, 'ada@example.com')
    expect((await one.client.request(`/sessions/${two.sessionId}`, { method: 'DELETE' })).status).toBe(204)
    await expectProblem(await one.client.request(`/sessions/${two.sessionId}`, { method: 'DELETE' }), 404, 'not_found')
  })

  it('answers 401 without auth and revokes nothing', async () => {
    const t = await setup()
    const { sessionId } = await signedIn(t, 'ada@example.com')
    await expectProblem(
      await new TestClient(t.app).request(`/sessions/${sessionId}`, { method: 'DELETE' }),
      401,
      'unauthorized',
    )
    expect(await alive(t, sessionId)).toBe(true)
  })
})

import { hc } from 'hono/client'
import { describe, expect, it } from 'vitest'
import type { Auth } from '../../src/adapters/http/app.js'
import { cookieHeaderOf, storeCookies } from '../support/set-cookie.js'
import { PASSWORD, setup } from './helpers.js'

/**
 * `hc<typeof auth.routes>` against the app (its types: test/types/client.typecheck.ts): the typed
 * client's requests are the contract's, and what it reads is what the routes send.
 */
describe('the typed client', () => {
  it('registers, logs in, reads the session and gets a typed 401 problem', async () => {
    const t = await setup()
    const jar = new Map<string, string>()
    const client = hc<Auth['routes']>('http://localhost', {
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        const headers = new Headers(init?.headers)
        if (jar.size > 0) headers.set('cookie', cookieHeaderOf(jar))
        const res = await t.app.request(input instanceof Request ? input : String(input), { ...init, headers })
        storeCookies(jar, res)
        return res
      },
    })
    const email = 'typed@example.com'
    const registered = await client.register.$post({ json: { email, password: PASSWORD, name: 'Ada' } })
    expect(registered.status).toBe(201)
    if (registered.status === 201) expect((await registered.json()).user).toMatchObject({ email, name: 'Ada' })

    const wrong = await client.login.$post({ json: { email, password: `${PASSWORD}!` } })
    expect(wrong.status).toBe(401)
    if (wrong.status === 401) expect((await wrong.json()).code).toBe('invalid_credentials')

    const login = await client.login.$post({ json: { email, password: PASSWORD } })
    expect(login.status).toBe(200)
    const session = await client.session.$get()
    expect(session.status).toBe(200)
    if (login.status === 200 && session.status === 200) {
      const [signedIn, current] = [await login.json(), await session.json()]
      expect(current.userId).toBe(signedIn.user.id)
    }

    const sessions = await client.sessions.$get()
    const listed = sessions.status === 200 ? (await sessions.json()).sessions : []
    expect(listed.map((s) => s.current)).toEqual([true])
    const revoked = await client.sessions[':id'].$delete({ param: { id: listed[0]?.id ?? '' } })
    expect(revoked.status).toBe(204)

    const after = await client.session.$get()
    expect(after.status).toBe(401)
    if (after.status === 401) {
      const problem = await after.json()
      expect([problem.code, problem.status]).toEqual(['unauthorized', 401])
    }
  })
})

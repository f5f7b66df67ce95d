// Type-checked, not run: the same app in TypeScript, and `hc` typing each route from the types.
import { Hono } from 'hono'
import { hc } from 'hono/client'
import { type AuthEnv, createAuth } from 'hono-cookie-auth'
import { createMemoryStores } from 'hono-cookie-auth/memory'

const auth = createAuth({ stores: createMemoryStores(), secret: 'a-secret-of-at-least-32-bytes-for-the-type-check' })
const app = new Hono<AuthEnv>()
app.route('/auth', auth.routes)
app.get('/orders', auth.requireAuth, (c) => c.json({ for: c.get('auth').userId }))

export async function signIn(base: string): Promise<string> {
  const client = hc<typeof auth.routes>(base)
  const res = await client.login.$post({ json: { email: 'ada@example.com', password: 'a long password' } })
  if (res.status === 200) {
    const body = await res.json()
    const email: string = body.user.email
    const expires: string = body.accessTokenExpiresAt
    // @ts-expect-error the body is typed (not any): an email is no number.
    const wrong: number = body.user.email
    return email + expires + wrong
  }
  const problem = await res.json()
  const code: string = problem.code
  // @ts-expect-error the problem body is typed too.
  const status: string = problem.status
  return code + status
}

import type { hc, InferRequestType, InferResponseType } from 'hono/client'
import type { StatusCode } from 'hono/utils/http-status'
import type * as v from 'valibot'
import { expectTypeOf } from 'vitest'
import type { AdminSuccessBodies } from '../../src/adapters/http/admin-operations.js'
import type { Auth } from '../../src/adapters/http/app.js'
import type { SuccessBodies } from '../../src/adapters/http/openapi-operations.js'
import type { ProblemBody } from '../../src/adapters/http/problem.js'
import type { SessionJson, UserJson } from '../../src/adapters/http/views.js'

/**
 * Type-level: `hc<typeof auth.routes>` types every route's answers, success and problem alike. Each
 * check fails `npm run typecheck` when a route's type degrades (to `unknown`, `any` or `{}`), since
 * `toEqualTypeOf` is exact. Never run; `tsc` checks this file (tsconfig.json includes `test`).
 */
type Client = ReturnType<typeof hc<Auth['routes']>>
type Out<F, S extends StatusCode = 200> = InferResponseType<F, S>
type Tokens = { user: UserJson; accessTokenExpiresAt: string; refreshTokenExpiresAt: string }
type Unauthorized = ProblemBody<'unauthorized'> | ProblemBody<'refresh_reused'>

export async function successBodies(client: Client): Promise<void> {
  expectTypeOf<Out<typeof client.register.$post, 201>>().toEqualTypeOf<{ user: UserJson }>()
  expectTypeOf<Out<typeof client.login.$post>>().toEqualTypeOf<Tokens>()
  expectTypeOf<Out<typeof client.refresh.$post>>().toEqualTypeOf<Omit<Tokens, 'user'>>()
  expectTypeOf<Out<typeof client.session.$get>>().toEqualTypeOf<{
    userId: string
    sessionId: string
    accessTokenExpiresAt: string
  }>()
  expectTypeOf<Out<typeof client.profile.$get>>().toEqualTypeOf<{ user: UserJson }>()
  expectTypeOf<Out<typeof client.profile.$post>>().toEqualTypeOf<{ user: UserJson }>()
  expectTypeOf<Out<typeof client.sessions.$get>>().toEqualTypeOf<{ sessions: SessionJson[] }>()
  // 204 answers: no body, and the status is the only success.
  expectTypeOf<Out<(typeof client.sessions)[':id']['$delete'], 204>>().toEqualTypeOf<null>()
  expectTypeOf<Out<(typeof client)['logout']['$post'], 204>>().toEqualTypeOf<null>()
  expectTypeOf<Out<(typeof client)['logout-all']['$post'], 204>>().toEqualTypeOf<null>()
  expectTypeOf<Out<(typeof client)['logout']['$post']>>().toBeNever()
  expectTypeOf<Out<(typeof client)['logout']['$post'], 413>>().toEqualTypeOf<ProblemBody<'payload_too_large'>>()

  // The call itself: the input is checked, and `.json()` narrows on the status.
  const res = await client.login.$post({ json: { email: 'ada@example.com', password: 'correct horse' } })
  if (res.status === 200) expectTypeOf(await res.json()).toEqualTypeOf<Tokens>()
  if (res.status === 401) expectTypeOf(await res.json()).toEqualTypeOf<ProblemBody<'invalid_credentials'>>()
  expectTypeOf<InferRequestType<typeof client.login.$post>>().toEqualTypeOf<{
    json: { email: string; password: string }
  }>()
  expectTypeOf<InferRequestType<typeof client.register.$post>['json']>().toEqualTypeOf<{
    email: string
    password: string
    name?: string | undefined
  }>()
  expectTypeOf<InferRequestType<(typeof client.sessions)[':id']['$delete']>>().toEqualTypeOf<{
    param: { id: string }
  }>()
  // @ts-expect-error a login needs a password.
  await client.login.$post({ json: { email: 'ada@example.com' } })
  // @ts-expect-error and takes no other field (the schema is strict).
  await client.profile.$post({ json: { name: 'Ada', admin: true } })
}

export function problemBodies(client: Client): void {
  // A 401 is the problem body of the route's 401 codes, never `unknown`.
  expectTypeOf<Out<typeof client.session.$get, 401>>().toEqualTypeOf<Unauthorized>()
  expectTypeOf<Out<typeof client.login.$post, 401>>().toEqualTypeOf<ProblemBody<'invalid_credentials'>>()
  expectTypeOf<Out<typeof client.refresh.$post, 401>>().toEqualTypeOf<Unauthorized>()
  expectTypeOf<Out<(typeof client)['logout-all']['$post'], 401>>().toEqualTypeOf<Unauthorized>()
  expectTypeOf<Out<(typeof client.sessions)[':id']['$delete'], 404>>().toEqualTypeOf<ProblemBody<'not_found'>>()
  expectTypeOf<Out<typeof client.register.$post, 409>>().toEqualTypeOf<ProblemBody<'email_taken'>>()
  expectTypeOf<Out<typeof client.profile.$post, 400>>().toEqualTypeOf<ProblemBody<'invalid_request'>>()
  expectTypeOf<Out<typeof client.profile.$post, 415>>().toEqualTypeOf<ProblemBody<'unsupported_media_type'>>()
  expectTypeOf<ProblemBody<'unauthorized'>>().toEqualTypeOf<{
    type: 'urn:hono-cookie-auth:problem:unauthorized'
    title: string
    status: 401
    detail?: string
    code: 'unauthorized'
  }>()
}

/** The OpenAPI document's success schemas are the routes' typed answers, so neither drifts. */
export function documentedBodies(client: Client): void {
  type Doc<K extends keyof typeof SuccessBodies> = v.InferOutput<(typeof SuccessBodies)[K]>
  expectTypeOf<Doc<'register'>>().toEqualTypeOf<Out<typeof client.register.$post, 201>>()
  expectTypeOf<Doc<'login'>>().toEqualTypeOf<Out<typeof client.login.$post>>()
  expectTypeOf<Doc<'refresh'>>().toEqualTypeOf<Out<typeof client.refresh.$post>>()
  expectTypeOf<Doc<'session'>>().toEqualTypeOf<Out<typeof client.session.$get>>()
  expectTypeOf<Doc<'getProfile'>>().toEqualTypeOf<Out<typeof client.profile.$get>>()
  expectTypeOf<Doc<'updateProfile'>>().toEqualTypeOf<Out<typeof client.profile.$post>>()
  expectTypeOf<Doc<'listSessions'>>().toEqualTypeOf<Out<typeof client.sessions.$get>>()
  expectTypeOf<Doc<'verifyEmail'>>().toEqualTypeOf<Out<(typeof client.email.verify)['$post']>>()
  expectTypeOf<Doc<'accepted'>>().toEqualTypeOf<Out<(typeof client.password.forgot)['$post'], 202>>()
  expectTypeOf<Doc<'accepted'>>().toEqualTypeOf<Out<typeof client.email.$post, 202>>()
  expectTypeOf<Doc<'accepted'>>().toEqualTypeOf<Out<(typeof client.email.verify.request)['$post'], 202>>()
  expectTypeOf<Doc<'exportAccount'>>().toEqualTypeOf<Out<(typeof client.account.export)['$get']>>()
  type AdminDoc<K extends keyof typeof AdminSuccessBodies> = v.InferOutput<(typeof AdminSuccessBodies)[K]>
  const user = client.admin.users[':id']
  expectTypeOf<AdminDoc<'adminGetUser'>>().toEqualTypeOf<Out<typeof user.$get>>()
  expectTypeOf<AdminDoc<'adminSetRoles'>>().toEqualTypeOf<Out<typeof user.roles.$post>>()
  expectTypeOf<Out<typeof user.disable.$post, 403>>().toEqualTypeOf<
    ProblemBody<'account_disabled'> | ProblemBody<'forbidden'>
  >()
}

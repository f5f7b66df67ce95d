import { Hono, type MiddlewareHandler } from 'hono'
import { expect } from 'vitest'
import { type Auth, mountableAuth } from '../../src/adapters/http/app.js'
import { forwardedFor } from '../../src/adapters/http/config.js'
import type { AuthEnv } from '../../src/adapters/http/require-auth.js'
import { storeUnavailable } from '../../src/adapters/stores/outage.js'
import type { Deps } from '../../src/application/deps.js'
import type { PasswordHasher, Stores } from '../../src/application/ports.js'
import type { SessionId } from '../../src/domain/session.js'
import { makeTestApp, type TestApp, type TestAppOptions, TestClient } from '../support/app-harness.js'
import { PASSWORD, TEST_SECRET } from '../support/constants.js'
import { makeStores } from '../support/store-under-test.js'

/**
 * Shared pieces of the HTTP contract suite. Web APIs only (Web Crypto, `btoa`, `Proxy`), so the
 * same files run inside workerd against other stores.
 */

/** The shared constants, for the HTTP files that import them from here. */
export { DAY, HOUR, MIN, PASSWORD, SEC } from '../support/constants.js'

/**
 * A host app of a Hono user over the test app's dependencies: `first` (the host's own middleware,
 * if any), then the auth routes under /auth; `auth.requireAuth` is for routes of its own.
 */
export function hostApp(t: { deps: Deps }, first?: MiddlewareHandler): { app: Hono<AuthEnv>; auth: Auth } {
  const auth = mountableAuth(t.deps, {
    cookieSecure: false,
    allowedOrigins: [],
    clientIp: forwardedFor(() => '127.0.0.1'),
  })
  const app = new Hono<AuthEnv>()
  if (first) app.use('*', first)
  app.route('/auth', auth.routes)
  return { app, auth }
}

/** A state-changing request with a JSON body. */
export const post = (json?: unknown, headers: Record<string, string> = {}): RequestInit & { json?: unknown } => ({
  method: 'POST',
  headers,
  ...(json !== undefined && { json }),
})

/** A raw request with a body and a content type, for the parsing tests. */
export const raw = (body: BodyInit | null, contentType?: string, method = 'POST'): RequestInit => ({
  method,
  headers: contentType ? { 'content-type': contentType } : {},
  ...(body !== null && { body }),
})

/** Reads a JSON body. */
export const bodyOf = async (res: Response): Promise<Record<string, unknown>> =>
  (await res.json()) as Record<string, unknown>

/**
 * Asserts an RFC 9457 problem: the status, `application/problem+json`, exactly the fields
 * type/title/status/code (detail optional), and no stack trace. Returns the body.
 */
export async function expectProblem(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  const text = await res.text()
  expect(res.status, text).toBe(status)
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  const body = JSON.parse(text) as Record<string, unknown>
  expect(body).toMatchObject({ status, code })
  expect(typeof body.type).toBe('string')
  expect(typeof body.title).toBe('string')
  for (const key of Object.keys(body)) expect(['type', 'title', 'status', 'detail', 'code']).toContain(key)
  expect(text).not.toMatch(/\bat .*\(|stack|\.ts:\d/)
  return body
}

/** The app, a browser-like client and helpers to act as more clients. */
export async function setup(opts: TestAppOptions = {}): Promise<TestApp & { client: TestClient }> {
  const t = await makeTestApp(opts)
  return { ...t, client: new TestClient(t.app) }
}

/** A client that has registered and logged in; its `/session` identity. */
export async function signedIn(
  t: TestApp,
  email: string,
  init: { password?: string; headers?: Record<string, string> } = {},
): Promise<{ client: TestClient; userId: string; sessionId: string }> {
  const client = new TestClient(t.app)
  const password = init.password ?? PASSWORD
  const reg = await client.request('/register', post({ email, password }, init.headers))
  if (reg.status !== 201 && reg.status !== 409) throw new Error(`register: ${reg.status} ${await reg.text()}`)
  return logIn(t, email, { password, client, ...(init.headers && { headers: init.headers }) })
}

/** Logs an existing account in (a new session), on a given client or a fresh one. */
export async function logIn(
  t: TestApp,
  email: string,
  init: { password?: string; client?: TestClient; headers?: Record<string, string> } = {},
): Promise<{ client: TestClient; userId: string; sessionId: string }> {
  const client = init.client ?? new TestClient(t.app)
  const res = await client.request('/login', post({ email, password: init.password ?? PASSWORD }, init.headers))
  if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`)
  const who = await bodyOf(await client.request('/session'))
  return { client, userId: who.userId as string, sessionId: who.sessionId as string }
}

/** Whether the store still holds the session as live at the app's clock. */
export const alive = async (t: TestApp, sessionId: string): Promise<boolean> =>
  (await t.stores.sessions.find(sessionId as SessionId, t.clock.now())) !== null

/** A `Cookie` header from name/value pairs. */
export const cookieHeader = (cookies: Record<string, string | undefined>): string =>
  Object.entries(cookies)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ')

const jwtPart = (jwt: string | undefined, part: number): Record<string, unknown> =>
  JSON.parse(atob((jwt?.split('.')[part] ?? '').replaceAll('-', '+').replaceAll('_', '/'))) as Record<string, unknown>
/** A JWT's header, decoded (nothing is verified). */
export const jwtHeader = (jwt: string | undefined): Record<string, unknown> => jwtPart(jwt, 0)
/** A JWT's payload, decoded (nothing is verified). */
export const jwtPayload = (jwt: string | undefined): Record<string, unknown> => jwtPart(jwt, 1)

/** Asserts that a response clears both cookies (and sets no other). */
export function expectCookiesCleared(res: Response): void {
  const lines = res.headers.getSetCookie()
  expect(lines.map((c) => c.split('=')[0]).sort()).toEqual(['access_token', 'refresh_token'])
  expect(lines.every((c) => /Max-Age=0/i.test(c))).toBe(true)
}

/** Whether a response set or cleared any cookie. */
export const setsCookies = (res: Response): boolean => res.headers.getSetCookie().length > 0

/** Presents a refresh token on `POST /refresh` with no other cookie; the caller's jar is untouched. */
export const refreshWith = (t: TestApp, refreshToken: string, headers: Record<string, string> = {}) =>
  t.app.request('/refresh', { method: 'POST', headers: { cookie: `refresh_token=${refreshToken}`, ...headers } })

// ---------------------------------------------------------------------------------------------
// Hand-made JWTs (Web Crypto), so a token can carry a valid signature and bad claims.

const encoder = new TextEncoder()

export const b64url = (data: string | Uint8Array): string => {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export type HmacHash = 'SHA-256' | 'SHA-384' | 'SHA-512'

export async function hmac(hash: HmacHash, secret: string, data: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash }, false, ['sign'])
  return b64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(data))))
}

/**
 * A JWT from a header and a payload, each an object (serialised) or raw JSON text (for `null`,
 * `1e309` and the like), signed with HMAC under `secret` (the test secret unless given).
 * `signature: ''` leaves the signature empty, as `alg: none` tokens do.
 */
export async function forgeJwt(
  header: unknown,
  payload: unknown,
  opts: { secret?: string; hash?: HmacHash; signature?: string } = {},
): Promise<string> {
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v))
  const input = `${b64url(text(header))}.${b64url(text(payload))}`
  const sig = opts.signature ?? (await hmac(opts.hash ?? 'SHA-256', opts.secret ?? TEST_SECRET, input))
  return `${input}.${sig}`
}

/** Claims like the service's own, for a user and session, issued at the fake clock's now. */
export const claimsAt = (now: number, userId: string, sessionId: string, ttl = 600) => {
  const iat = Math.floor(now / 1000)
  return { sub: userId, sid: sessionId, iat, exp: iat + ttl }
}

// ---------------------------------------------------------------------------------------------
// Store and hasher wrappers: count calls, simulate an outage.

export interface InstrumentedStores {
  readonly stores: Stores
  /** Every store call made, as `port.method`. */
  readonly calls: string[]
  /** While true, every store call (health included) throws `UnavailableError`. */
  down: boolean
}

/** Wraps a store set so a test can count its calls and take it down and up again. */
export function instrument(base: Stores): InstrumentedStores {
  const state: InstrumentedStores = { stores: base, calls: [], down: false }
  const wrap = <T extends object>(port: string, target: T): T =>
    new Proxy(target, {
      get(obj, prop) {
        const value = Reflect.get(obj, prop)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          state.calls.push(`${port}.${String(prop)}`)
          if (state.down) return Promise.reject(storeUnavailable('unreachable'))
          return value.apply(obj, args)
        }
      },
    })
  return Object.assign(state, {
    stores: {
      users: wrap('users', base.users),
      sessions: wrap('sessions', base.sessions),
      limiter: wrap('limiter', base.limiter),
      tokens: wrap('tokens', base.tokens),
      health: wrap('health', base.health),
    },
  })
}

/** The app over the store under test (memory on Node, the Worker's in workerd), instrumented. */
export async function setupInstrumented(
  opts: Omit<TestAppOptions, 'stores'> = {},
): Promise<TestApp & { client: TestClient; store: InstrumentedStores }> {
  const store = instrument(makeStores())
  return { ...(await setup({ ...opts, stores: store.stores })), store }
}

/** Replaces the app's password hasher (the routes read `deps.hasher` on every request). */
export const useHasher = (t: { deps: Deps }, hasher: PasswordHasher): void => {
  ;(t.deps as { hasher: PasswordHasher }).hasher = hasher
}

export { countingHasher } from '../support/counting-hasher.js'

import type { Hono } from 'hono'
import { createScryptHasher } from '../../src/adapters/crypto/scrypt-hasher.js'
import { createApp } from '../../src/adapters/http/app.js'
import { forwardedFor, type HttpConfig } from '../../src/adapters/http/config.js'
import type { AuthEnv } from '../../src/adapters/http/require-auth.js'
import type { AuthPolicy, Deps } from '../../src/application/deps.js'
import type { SecurityEventName, Stores } from '../../src/application/ports.js'
import { seconds } from '../../src/domain/units.js'
import { type AccessKeySettings, buildDeps } from '../../src/service.js'
import { PASSWORD, TEST_SECRET } from './constants.js'
import { type FakeClock, fakeClock } from './fixtures.js'
import { type Outbox, outbox, type TrackedBackground, trackedBackground } from './outbox.js'
import { cookieHeaderOf, storeCookies } from './set-cookie.js'
import { makeStores } from './store-under-test.js'

export const TEST_POLICY: AuthPolicy = {
  accessTokenTtl: seconds(600),
  refreshTokenTtl: seconds(30 * 86_400),
  refreshReuseGrace: seconds(10),
  sessionMaxLifetime: seconds(90 * 86_400),
  loginFailureLimit: 10,
  loginFailureWindow: seconds(15 * 60),
  rateLimitPerMinute: 1000,
  maxSessionsPerUser: 100,
  sessionCheck: 'off',
  sessionCheckMaxAge: seconds(1),
  emailVerification: 'off',
  passwordReset: false,
  mailsPerAddressPerHour: 5,
}

/** The policy of the account-lifecycle tests: mail on, verification optional, reset on. */
export const MAIL_POLICY: Partial<AuthPolicy> = { emailVerification: 'optional', passwordReset: true }

export interface LoggedEvent {
  readonly name: SecurityEventName
  readonly fields: Record<string, unknown>
}

export interface TestApp {
  readonly app: Hono<AuthEnv>
  readonly deps: Deps
  readonly stores: Stores
  readonly clock: FakeClock
  readonly events: LoggedEvent[]
  /** What was mailed (mail is off unless `mail` was asked for: then sends land here). */
  readonly outbox: Outbox
  /** Mails sent after the answer: `await background.settled()` before reading the outbox. */
  readonly background: TrackedBackground
}

export interface TestAppOptions {
  readonly stores?: Stores
  readonly policy?: Partial<AuthPolicy>
  readonly config?: Partial<HttpConfig>
  readonly tokenCacheSize?: number
  /** The signing secret (the test secret unless given) and secrets that still verify. */
  readonly secret?: string
  readonly previousSecrets?: readonly string[]
  /** `ACCESS_TOKEN_ALG` and its keys (HS256 under the secret unless given). */
  readonly accessKeys?: AccessKeySettings
  /** A clock of its own, to share one between apps over the same stores (a restart). */
  readonly clock?: FakeClock
  /** Turns the account lifecycle's mail on (`MAIL_POLICY` unless `policy` says otherwise). */
  readonly mail?: boolean
  /** The service's own pages (`UI=on`); off unless asked for, as the tests of the JSON API expect. */
  readonly ui?: boolean
}

/**
 * The whole app over a store set (`makeStores()` unless given: memory on Node, the Worker's stores
 * in workerd), a fake clock and a fast scrypt
 * (same code, cheaper parameters). The client IP is taken from `X-Forwarded-For`, so tests can
 * act as different clients.
 */
export async function makeTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const stores = opts.stores ?? makeStores()
  const clock = opts.clock ?? fakeClock(Date.now())
  const events: LoggedEvent[] = []
  const mail = outbox()
  const background = trackedBackground()
  const deps = await buildDeps({
    stores,
    hasher: createScryptHasher({ params: { ln: 10, r: 8, p: 1 } }),
    secret: opts.secret ?? TEST_SECRET,
    ...(opts.previousSecrets && { previousSecrets: opts.previousSecrets }),
    ...(opts.accessKeys && { accessKeys: opts.accessKeys }),
    policy: { ...TEST_POLICY, ...(opts.mail && MAIL_POLICY), ...opts.policy },
    ...(opts.mail && { mailer: mail }),
    background,
    clock,
    log: { event: (name, fields) => events.push({ name, fields }) },
    ...(opts.tokenCacheSize !== undefined && { tokenCacheSize: opts.tokenCacheSize }),
  })
  const app = createApp(deps, stores.health, {
    cookieSecure: false,
    allowedOrigins: [],
    clientIp: forwardedFor(() => '127.0.0.1'),
    ...(opts.ui && { ui: true }),
    ...opts.config,
  })
  return { app, deps, stores, clock, events, outbox: mail, background }
}

/** A browser-like client over `app.request()`: keeps cookies from `Set-Cookie`, sends them back. */
export class TestClient {
  readonly jar = new Map<string, string>()

  constructor(private readonly app: Hono<AuthEnv>) {}

  async request(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    if (init.json !== undefined) headers.set('content-type', 'application/json')
    if (this.jar.size > 0 && !headers.has('cookie')) headers.set('cookie', cookieHeaderOf(this.jar))
    const { json, ...rest } = init
    const body = json !== undefined ? JSON.stringify(json) : rest.body
    const res = await this.app.request(path, { ...rest, headers, ...(body !== undefined && { body }) })
    storeCookies(this.jar, res)
    return res
  }

  /** Registers and logs in; returns the login response body. */
  async signUp(email: string, password = PASSWORD): Promise<Record<string, unknown>> {
    const reg = await this.request('/register', { method: 'POST', json: { email, password } })
    if (reg.status !== 201) throw new Error(`register: ${reg.status} ${await reg.text()}`)
    const res = await this.request('/login', { method: 'POST', json: { email, password } })
    if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`)
    return (await res.json()) as Record<string, unknown>
  }
}

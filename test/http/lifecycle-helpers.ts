import { expect } from 'vitest'
import type { MailMessage, MailPurpose } from '../../src/application/ports.js'
import type { AccountToken, TokenPurpose } from '../../src/domain/account-token.js'
import type { Email } from '../../src/domain/email.js'
import type { UserId } from '../../src/domain/user.js'
import { type TestApp, type TestAppOptions, TestClient } from '../support/app-harness.js'
import { parseSetCookies } from '../support/set-cookie.js'
import { PASSWORD, post, setup } from './helpers.js'

/**
 * Shared pieces of the account-lifecycle HTTP tests (password reset and change, address change,
 * deletion and export). Web APIs only, like helpers.ts, so the files also run inside workerd.
 */

/** A password that passes the policy and is not the one test accounts register with. */
export const NEW_PASSWORD = 'a brand new passphrase 42'

/** The app with the account lifecycle's mail on (the harness's in-memory outbox). */
export const mailSetup = (opts: Omit<TestAppOptions, 'mail'> = {}) => setup({ ...opts, mail: true })

/** Headers that differ between any two responses whatever they say. */
const VOLATILE = new Set(['x-request-id', 'date'])

/** A response's headers, sorted, without the volatile ones: for "identical answers" assertions. */
export const comparable = (res: Response): [string, string][] =>
  [...res.headers].filter(([k]) => !VOLATILE.has(k.toLowerCase())).sort()

/** `Retry-After` in seconds (NaN when absent). */
export const retryAfter = (res: Response): number => Number(res.headers.get('retry-after') ?? Number.NaN)

/** `POST /password/forgot` from a fresh client (no cookies). */
export const forgot = (t: TestApp, email: string, ip = '198.51.100.7') =>
  new TestClient(t.app).request('/password/forgot', post({ email }, { 'x-forwarded-for': ip }))

/** `POST /password/reset`, from `client` (a fresh one unless given). */
export const resetWith = (t: TestApp, token: string, password = NEW_PASSWORD, client = new TestClient(t.app)) =>
  client.request('/password/reset', post({ token, password }))

/** `POST /email/verify` from a fresh client. */
export const verifyWith = (t: TestApp, token: string) => new TestClient(t.app).request('/email/verify', post({ token }))

/** `POST /login` from a fresh client; the response (its session is the fresh client's). */
export const loginWith = (t: TestApp, email: string, password = PASSWORD, client = new TestClient(t.app)) =>
  client.request('/login', post({ email, password }))

/** `POST /register` from a fresh client. */
export const registerWith = (t: TestApp, email: string, password = PASSWORD) =>
  new TestClient(t.app).request('/register', post({ email, password }))

/** The mails of one purpose to one address, oldest first. */
export const mailsTo = (t: TestApp, address: string, purpose: MailPurpose): MailMessage[] =>
  t.outbox.to(address).filter((m) => m.purpose === purpose)

/** The token the last mail of `purpose` to `address` carried; fails the test when there is none. */
export function tokenMailed(t: TestApp, address: string, purpose: MailPurpose): string {
  const last = mailsTo(t, address, purpose).at(-1)
  expect(last && 'token' in last, `a ${purpose} mail with a token to ${address}`).toBe(true)
  return last && 'token' in last ? last.token : ''
}

/** Asks for a reset link for `email` and returns the token it mailed (once the background is done). */
export async function resetToken(t: TestApp, email: string): Promise<string> {
  const before = mailsTo(t, email, 'reset_password').length
  const res = await forgot(t, email)
  expect(res.status, await res.clone().text()).toBe(202)
  await t.background.settled()
  expect(mailsTo(t, email, 'reset_password')).toHaveLength(before + 1)
  return tokenMailed(t, email, 'reset_password')
}

/** The user's pending tokens live at the app's clock, of one purpose when given (through the port). */
export async function pendingTokens(t: TestApp, userId: string, purpose?: TokenPurpose): Promise<AccountToken[]> {
  const all = await t.stores.tokens.listForUser(userId as UserId, t.clock.now())
  return purpose ? all.filter((tok) => tok.purpose === purpose) : all
}

/** The account stored for an address, or null (through the port). */
export const accountOf = (t: TestApp, email: string) => t.stores.users.findByEmail(email as Email)

/** The user's live sessions' ids at the app's clock, sorted (through the port). */
export const liveSessionIds = async (t: TestApp, userId: string): Promise<string[]> =>
  (await t.stores.sessions.listForUser(userId as UserId, t.clock.now())).map((s) => s.id).sort()

/** The refresh cookie a client holds (empty when none). */
export const refreshCookieOf = (client: TestClient): string => client.jar.get('refresh_token') ?? ''

/** Whether a response sets a cookie to a value (clearing one, `Max-Age=0` or empty, does not count). */
export const setsACookieValue = (res: Response): boolean =>
  [...parseSetCookies(res).values()].some((c) => c.value !== '' && c.attrs.get('max-age') !== '0')

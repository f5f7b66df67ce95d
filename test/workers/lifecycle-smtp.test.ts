import { env } from 'cloudflare:workers'
import { describe, expect, inject, it } from 'vitest'
import { createWorker, type WorkerEnv } from '../../src/worker.js'
import { PASSWORD } from '../support/constants.js'
import type { MailboxEntry } from '../support/mail-test-context.js'
import { cookieHeaderOf, storeCookies } from '../support/set-cookie.js'

/**
 * The account lifecycle end to end on Workers: the Worker of src/worker.ts in workerd, over the
 * real Durable Object store, sending through SMTP over `cloudflare:sockets` to the real SMTP
 * server that test/support/mail-global-setup.ts runs in Node. The mails go after the answer
 * (`waitUntil`); the test waits for those promises as the runtime would, then reads the mailbox.
 */

const mail = inject('mail')
const ORIGIN = 'https://auth.example.com'
const APP_URL = 'https://app.example.com'

/** An execution context whose `waitUntil` promises the test can await. */
function executionContext() {
  const pending: Promise<unknown>[] = []
  const ctx = {
    waitUntil: (p: Promise<unknown>) => pending.push(p),
    passThroughOnException() {},
    props: {},
  } as unknown as ExecutionContext
  return { ctx, settled: async () => void (await Promise.allSettled(pending.splice(0))) }
}

const run = executionContext()
const worker = createWorker()
const workerEnv = {
  ...env,
  NODE_ENV: 'development',
  SMTP_URL: `smtp://${mail.host}:${mail.plainPort}`,
  MAIL_FROM: 'Example Auth <auth@example.com>',
  APP_URL,
} as unknown as WorkerEnv

/**
 * A browser-like client of the Worker. The Worker bounds how fast key derivations start (503
 * `overloaded` with `Retry-After`), and these flows run several in a row, so it waits as a polite
 * client would, and tries again.
 */
function client() {
  const jar = new Map<string, string>()
  const once = async (path: string, json?: unknown) => {
    const headers = new Headers({ 'cf-connecting-ip': '198.51.100.9' })
    if (json !== undefined) headers.set('content-type', 'application/json')
    if (jar.size) headers.set('cookie', cookieHeaderOf(jar))
    const body = json === undefined ? null : JSON.stringify(json)
    const method = json === undefined && path !== '/refresh' ? 'GET' : 'POST'
    const res = await worker.fetch(new Request(`${ORIGIN}${path}`, { method, headers, body }), workerEnv, run.ctx)
    storeCookies(jar, res)
    return res
  }
  return async (path: string, json?: unknown) => {
    for (let attempt = 0; ; attempt++) {
      const res = await once(path, json)
      const busy = res.status === 503 && ((await res.clone().json()) as { code?: string }).code === 'overloaded'
      if (!busy || attempt === 5) return res
      await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000))
    }
  }
}

/** The first mail the SMTP server received for `to` (with this subject). */
async function received(to: string, subject = 'Confirm your email address'): Promise<MailboxEntry> {
  await run.settled()
  const query = `server=plain&to=${encodeURIComponent(to)}&subject=${encodeURIComponent(subject)}`
  const res = await fetch(`${mail.mailbox}/mail?${query}`)
  expect(res.status, `a mail to ${to} arrived`).toBe(200)
  return (await res.json()) as MailboxEntry
}

/** The token of the mail's link, checking the link is `${APP_URL}${path}?token=…`. */
function tokenIn(entry: MailboxEntry, path: string): string {
  const url = new URL(/https?:\/\/\S+/.exec(entry.text ?? '')?.[0] ?? 'about:blank')
  expect(`${url.origin}${url.pathname}`).toBe(`${APP_URL}${path}`)
  return url.searchParams.get('token') ?? ''
}

const fresh = (tag: string) => `${tag}-${crypto.randomUUID().slice(0, 8)}@example.org`

describe('the account lifecycle over real SMTP (Workers, Durable Objects)', () => {
  it('register → the verification mail (sent after the answer) → its link verifies the address', async () => {
    const http = client()
    const email = fresh('verify')
    expect((await http('/register', { email, password: PASSWORD })).status).toBe(201)
    const entry = await received(email)
    const res = await http('/email/verify', { token: tokenIn(entry, '/verify-email') })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { user: { emailVerified: boolean } }).user.emailVerified).toBe(true)
  })

  it('forgot → the reset mail → a new password; the session from before cannot refresh', async () => {
    const email = fresh('reset')
    const http = client()
    expect((await http('/register', { email, password: PASSWORD })).status).toBe(201)
    expect((await http('/login', { email, password: PASSWORD })).status).toBe(200)
    const anonymous = client()
    expect((await anonymous('/password/forgot', { email })).status).toBe(202)
    const token = tokenIn(await received(email, 'Reset your password'), '/reset-password')
    const newPassword = 'a brand new passphrase 7'
    expect((await anonymous('/password/reset', { token, password: newPassword })).status).toBe(204)
    expect((await received(email, 'Your password was changed')).text).not.toContain(token)
    expect((await http('/refresh')).status).toBe(401)
    expect((await client()('/login', { email, password: PASSWORD })).status).toBe(401)
    expect((await client()('/login', { email, password: newPassword })).status).toBe(200)
  })

  it('change address → a link to the new address and a notice to the old → the link moves the account', async () => {
    const [old, next] = [fresh('move-old'), fresh('move-new')]
    const http = client()
    expect((await http('/register', { email: old, password: PASSWORD })).status).toBe(201)
    expect((await http('/login', { email: old, password: PASSWORD })).status).toBe(200)
    expect((await http('/email', { password: PASSWORD, newEmail: next })).status).toBe(202)
    const notice = await received(old, 'Your email address is being changed')
    expect(notice.text).toContain(next)
    const token = tokenIn(await received(next, 'Confirm your new email address'), '/verify-email')
    const res = await client()('/email/verify', { token })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { user: { email: string } }).user.email).toBe(next)
    expect((await client()('/login', { email: next, password: PASSWORD })).status).toBe(200)
  })
})

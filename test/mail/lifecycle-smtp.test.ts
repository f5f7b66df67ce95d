import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { start } from '../../src/node.js'
import { PASSWORD, TEST_SECRET } from '../support/constants.js'
import { freePort } from '../support/free-port.js'
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js'

/**
 * The account lifecycle end to end on Node: the real service (src/node.ts, listening on a free
 * port, nodemailer as its transport) against a real SMTP server the test starts. Each mail is
 * received, its link read from the text part, and the flow completed through HTTP.
 */

const APP_URL = 'https://app.example.com'

let smtp: TestSmtpServer
let service: Awaited<ReturnType<typeof start>>
let base: string

beforeAll(async () => {
  smtp = await startSmtpServer()
  const port = await freePort()
  service = await start(
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: TEST_SECRET,
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      MAIL_FROM: 'Example Auth <no-reply@example.com>',
      APP_URL,
      LOG_LEVEL: 'error',
    },
    { sink: () => {} },
  )
  base = `http://127.0.0.1:${port}`
})
afterAll(async () => {
  await service?.stop()
  await smtp?.stop()
})

/** A browser-like client over real HTTP: keeps the cookies, sends JSON with the site's Origin. */
function client() {
  const cookies = new Map<string, string>()
  return async (path: string, init: { method?: string; json?: unknown } = {}) => {
    const headers: Record<string, string> = { origin: base }
    if (init.json !== undefined) headers['content-type'] = 'application/json'
    if (cookies.size > 0) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const res = await fetch(`${base}${path}`, {
      method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
      headers,
      ...(init.json !== undefined && { body: JSON.stringify(init.json) }),
    })
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const [name, value] = (pair ?? '').split('=')
      if (name && value !== undefined) value === '' ? cookies.delete(name) : cookies.set(name, value)
    }
    return res
  }
}

/** The token of the link in a mail's text, checking that the link is `${APP_URL}${path}?token=…`. */
function tokenIn(mail: ReceivedMail, path: string): string {
  const link = /https?:\/\/\S+/.exec(mail.parsed.text ?? '')?.[0]
  expect(link, mail.parsed.text).toBeDefined()
  const url = new URL(link as string)
  expect(`${url.origin}${url.pathname}`).toBe(`${APP_URL}${path}`)
  const token = url.searchParams.get('token')
  expect(token).toMatch(/^[A-Za-z0-9_-]{16,64}\.[A-Za-z0-9_-]{43}$/)
  // The HTML part carries the same link.
  expect(mail.parsed.html || '').toContain(token as string)
  return token as string
}

/** The mails to `to` with this subject pattern, waiting for the next one when there is none yet. */
async function nextMail(to: string, subject: RegExp): Promise<ReceivedMail> {
  const deadline = Date.now() + 5000
  for (;;) {
    const found = smtp.received.filter((m) => m.envelope.to.includes(to) && subject.test(m.parsed.subject ?? ''))
    const seen = consumed.get(to + subject) ?? 0
    if (found.length > seen) {
      consumed.set(to + subject, seen + 1)
      return found[seen] as ReceivedMail
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} matching ${subject}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
const consumed = new Map<string, number>()

describe('the account lifecycle over real SMTP (Node)', () => {
  it('register → the verification mail → its link verifies the address', async () => {
    const http = client()
    expect((await http('/register', { json: { email: 'ada@example.com', password: PASSWORD } })).status).toBe(201)
    const mail = await nextMail('ada@example.com', /confirm your email/i)
    expect(mail.envelope.from).toBe('no-reply@example.com')
    const token = tokenIn(mail, '/verify-email')
    const res = await http('/email/verify', { json: { token } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { user: { emailVerified: boolean } }).user.emailVerified).toBe(true)
  })

  it('forgot → the reset mail → its link sets a new password, which logs in; the old session is gone', async () => {
    const http = client()
    const email = 'grace@example.com'
    expect((await http('/register', { json: { email, password: PASSWORD } })).status).toBe(201)
    expect((await http('/login', { json: { email, password: PASSWORD } })).status).toBe(200)
    const anonymous = client()
    const forgot = await anonymous('/password/forgot', { json: { email } })
    expect(forgot.status).toBe(202)
    const token = tokenIn(await nextMail(email, /reset/i), '/reset-password')
    const newPassword = 'a brand new passphrase 7'
    expect((await anonymous('/password/reset', { json: { token, password: newPassword } })).status).toBe(204)
    expect((await nextMail(email, /password was changed/i)).parsed.text).not.toContain(token)
    // The session from before the reset cannot refresh.
    expect((await http('/refresh', { method: 'POST' })).status).toBe(401)
    expect((await anonymous('/login', { json: { email, password: PASSWORD } })).status).toBe(401)
    expect((await anonymous('/login', { json: { email, password: newPassword } })).status).toBe(200)
  })

  it('change address → a link to the new address and a notice to the old → the link moves the account', async () => {
    const http = client()
    const [old, next] = ['hopper@example.com', 'hopper@example.org']
    expect((await http('/register', { json: { email: old, password: PASSWORD } })).status).toBe(201)
    expect((await http('/login', { json: { email: old, password: PASSWORD } })).status).toBe(200)
    expect((await http('/email', { json: { password: PASSWORD, newEmail: next } })).status).toBe(202)
    const token = tokenIn(await nextMail(next, /confirm your new/i), '/verify-email')
    const notice = await nextMail(old, /being changed/i)
    expect(notice.parsed.text).toContain(next)
    expect(notice.parsed.text).not.toMatch(/token=/)
    const res = await client()('/email/verify', { json: { token } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { user: { email: string } }).user.email).toBe(next)
    expect((await client()('/login', { json: { email: next, password: PASSWORD } })).status).toBe(200)
  })
})

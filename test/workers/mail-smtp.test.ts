import { describe, expect, inject, it } from 'vitest'
import { mailerFrom, parseMailSettings } from '../../src/adapters/config/mail-settings.js'
import { silentLog } from '../../src/adapters/log.js'
import { renderMail } from '../../src/adapters/mail/messages.js'
import { createWorkerSmtpMailer } from '../../src/adapters/mail/smtp-worker.js'
import { hiddenCredentials, type SmtpServer } from '../../src/adapters/mail/transport.js'
import type { MailMessage } from '../../src/application/mail.js'
import type { Email } from '../../src/domain/email.js'
import { UnavailableError } from '../../src/domain/errors.js'
import { millis, seconds } from '../../src/domain/units.js'
import type { MailboxEntry } from '../support/mail-test-context.js'

/**
 * SMTP from inside workerd over `cloudflare:sockets` (src/adapters/mail/smtp-worker.ts) to real
 * SMTP servers that test/support/mail-global-setup.ts runs in Node on loopback ports.
 */

const mail = inject('mail')
const APP_URL = 'https://app.example.com'
const FROM = { address: 'auth@example.com', name: 'Example Auth' }
const FAST = { connect: millis(2000), greeting: millis(500), socket: millis(2000) }
const options = { appUrl: APP_URL, from: FROM, timeouts: FAST }
const server = (port: number, extra: Partial<SmtpServer> = {}): SmtpServer => ({
  secure: false,
  host: mail.host,
  port,
  ...extra,
})
/** An address of its own per test: the servers outlive a test and keep every mail. */
const fresh = (tag: string) => `${tag}-${crypto.randomUUID().slice(0, 8)}@example.org` as Email

/** What the Node-side server received for `to`. */
async function received(which: 'plain' | 'auth', to: string): Promise<MailboxEntry> {
  const res = await fetch(`${mail.mailbox}/mail?server=${which}&to=${encodeURIComponent(to)}`)
  expect(res.status, `a mail to ${to} arrived`).toBe(200)
  return (await res.json()) as MailboxEntry
}

/** The `mail_unavailable` a send throws, with the reason of its cause. */
async function unavailable(send: Promise<void>): Promise<{ reason: string; message: string; error: UnavailableError }> {
  const err = await send.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(UnavailableError)
  expect(err).toMatchObject({ code: 'mail_unavailable', retryAfter: seconds(30) })
  const cause = (err as UnavailableError).cause as { reason: string; message: string }
  return { reason: cause.reason, message: cause.message, error: err as UnavailableError }
}

describe('createWorkerSmtpMailer inside workerd: every purpose is received', () => {
  const token = 'w0rk3rd_tok-en.~'
  const messages = (): MailMessage[] => [
    { purpose: 'verify_email', to: fresh('verify'), token, validFor: seconds(86_400) },
    { purpose: 'reset_password', to: fresh('reset'), token, validFor: seconds(1800) },
    { purpose: 'confirm_new_email', to: fresh('confirm'), token, validFor: seconds(86_400) },
    { purpose: 'email_change_notice', to: fresh('notice'), newEmail: fresh('new') },
    { purpose: 'password_changed', to: fresh('changed') },
  ]

  it.each(messages())('$purpose', async (message) => {
    await createWorkerSmtpMailer(server(mail.plainPort), options).send(message)
    const got = await received('plain', message.to)
    const expected = renderMail(message, { appUrl: APP_URL, from: FROM })
    expect(got.envelope).toEqual({ from: FROM.address, to: [message.to] })
    expect(got.from).toEqual([{ address: FROM.address, name: FROM.name }])
    expect(got.to).toEqual([message.to])
    expect(got.subject).toBe(expected.subject)
    expect(got.contentType).toBe('multipart/alternative')
    expect(got.text).toBe(expected.text)
    expect(got.html).toBe(expected.html)
    if ('token' in message) {
      const page = message.purpose === 'reset_password' ? 'reset-password' : 'verify-email'
      expect(got.text).toContain(`${APP_URL}/${page}?token=${token}`)
      expect(got.subject).not.toContain(token)
    }
  })
})

describe('createWorkerSmtpMailer inside workerd: AUTH, TLS, and servers that fail', () => {
  it('authenticates with the credentials of SMTP_URL', async () => {
    const { user, pass } = mail.credentials
    const to = fresh('auth')
    await createWorkerSmtpMailer(server(mail.authPort, { credentials: hiddenCredentials(user, pass) }), options).send({
      purpose: 'password_changed',
      to,
    })
    expect((await received('auth', to)).user).toBe(user)
  })

  it('works from one SMTP_URL: parseMailSettings and mailerFrom pick the sockets transport', async () => {
    const { user, pass } = mail.credentials
    const settings = parseMailSettings({
      NODE_ENV: 'production',
      SMTP_URL: `smtp://${user}:${encodeURIComponent(pass)}@${mail.host}:${mail.authPort}`,
      MAIL_FROM: 'auth@example.com',
      APP_URL,
    })
    const to = fresh('url')
    const mailer = mailerFrom(settings, { log: silentLog, smtp: createWorkerSmtpMailer })
    await mailer?.send({ purpose: 'reset_password', to, token: 'u', validFor: seconds(1800) })
    const got = await received('auth', to)
    expect(got.user).toBe(user)
    expect(got.text).toContain(`${APP_URL}/reset-password?token=u`)
  })

  it('never sends credentials unencrypted to a server off loopback that offers no STARTTLS', async () => {
    const creds = hiddenCredentials(mail.credentials.user, mail.credentials.pass)
    const to = fresh('clear')
    const offLoopback = { ...server(mail.offLoopbackAuthPort, { credentials: creds }), host: '127.0.0.2' }
    const failure = await unavailable(
      createWorkerSmtpMailer(offLoopback, options).send({ purpose: 'password_changed', to }),
    )
    expect(failure.reason).toBe('tls')
    const res = await fetch(`${mail.mailbox}/mail?server=offLoopback&to=${encodeURIComponent(to)}`)
    expect(res.status).toBe(404)
  })

  it('a wrong password is mail_unavailable (auth), and no form of the credentials is in the error', async () => {
    const creds = hiddenCredentials(mail.credentials.user, 'not-the-Pa55word')
    const failure = await unavailable(
      createWorkerSmtpMailer(server(mail.authPort, { credentials: creds }), options).send({
        purpose: 'password_changed',
        to: fresh('wrong'),
      }),
    )
    expect(failure.reason).toBe('auth')
    const all = `${failure.message} ${String(failure.error)} ${JSON.stringify(failure.error)}`
    for (const secret of [creds.pass, btoa(creds.pass), btoa(`\u0000${creds.user}\u0000${creds.pass}`)]) {
      expect(all).not.toContain(secret)
    }
  })

  it('a server that requires AUTH refuses a sender without credentials: rejected', async () => {
    const failure = await unavailable(
      createWorkerSmtpMailer(server(mail.authPort), options).send({ purpose: 'password_changed', to: fresh('noauth') }),
    )
    expect(failure.reason).toBe('rejected')
  })

  it('takes STARTTLS when offered: a server that then refuses it is a tls failure, never plain text', async () => {
    const failure = await unavailable(
      createWorkerSmtpMailer(server(mail.starttlsPort), options).send({
        purpose: 'password_changed',
        to: fresh('tls'),
      }),
    )
    expect(failure.reason).toBe('tls')
  })

  it('nobody listening: connect', async () => {
    const failure = await unavailable(
      createWorkerSmtpMailer(server(mail.deadPort), options).send({ purpose: 'password_changed', to: fresh('dead') }),
    )
    expect(failure.reason).toBe('connect')
  })

  it('a server that hangs up mid-conversation: closed (worker-mailer 1.2.1 spins forever here)', async () => {
    const failure = await unavailable(
      createWorkerSmtpMailer(server(mail.hangupPort), options).send({ purpose: 'password_changed', to: fresh('hang') }),
    )
    expect(failure.reason).toBe('closed')
  })

  it('a server that never greets: timeout, from the greeting bound', async () => {
    const failure = await unavailable(
      createWorkerSmtpMailer(server(mail.silentPort), options).send({ purpose: 'password_changed', to: fresh('mute') }),
    )
    expect(failure.reason).toBe('timeout')
    expect(failure.message).toMatch(/500 ms/)
  })
})

import { createServer, type Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mailerFrom, parseMailSettings } from '../../src/adapters/config/mail-settings.js'
import { silentLog } from '../../src/adapters/log.js'
import { createNodeSmtpMailer } from '../../src/adapters/mail/smtp-node.js'
import { hiddenCredentials, type SmtpServer } from '../../src/adapters/mail/transport.js'
import type { MailMessage } from '../../src/application/mail.js'
import type { Email } from '../../src/domain/email.js'
import { UnavailableError } from '../../src/domain/errors.js'
import { millis, seconds } from '../../src/domain/units.js'
import { freePort } from '../support/free-port.js'
import { makeTestCertificate, startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js'

/** nodemailer against a real SMTP server (smtp-server) that the test starts on a free port. */

const APP_URL = 'https://app.example.com/base'
const FROM = { address: 'no-reply@example.com', name: 'Example Auth' }
const TOKEN = 'tok_A-b.c~d/e+f=' // characters a URL must encode, and some it must not
const email = (s: string) => s as Email
const FAST = { connect: millis(1000), greeting: millis(500), socket: millis(2000) }

const plain = (port: number, extra: Partial<SmtpServer> = {}): SmtpServer => ({
  secure: false,
  host: '127.0.0.1',
  port,
  ...extra,
})

/** The `mail_unavailable` a failed send throws, or a test failure when it does not throw one. */
async function unavailable(
  send: Promise<void>,
): Promise<UnavailableError & { cause: { reason: string; message: string } }> {
  const err = await send.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(UnavailableError)
  expect(err).toMatchObject({ code: 'mail_unavailable', retryAfter: seconds(30) })
  return err as UnavailableError & { cause: { reason: string; message: string } }
}

describe('createNodeSmtpMailer: each purpose arrives as rendered', () => {
  let server: TestSmtpServer
  beforeAll(async () => {
    server = await startSmtpServer()
  })
  afterAll(() => server.stop())

  const cases: ReadonlyArray<[MailMessage, string, string | undefined]> = [
    [
      { purpose: 'verify_email', to: email('v@example.org'), token: TOKEN, validFor: seconds(86_400) },
      'Confirm your email address',
      `${APP_URL}/verify-email?token=${encodeURIComponent(TOKEN)}`,
    ],
    [
      { purpose: 'reset_password', to: email('r@example.org'), token: TOKEN, validFor: seconds(1800) },
      'Reset your password',
      `${APP_URL}/reset-password?token=${encodeURIComponent(TOKEN)}`,
    ],
    [
      { purpose: 'confirm_new_email', to: email('n@example.org'), token: TOKEN, validFor: seconds(86_400) },
      'Confirm your new email address',
      `${APP_URL}/verify-email?token=${encodeURIComponent(TOKEN)}`,
    ],
    [
      { purpose: 'email_change_notice', to: email('o@example.org'), newEmail: email('n@example.org') },
      'Your email address is being changed',
      undefined,
    ],
    [{ purpose: 'password_changed', to: email('p@example.org') }, 'Your password was changed', undefined],
  ]

  it.each(cases)('$purpose', async (message, subject, link) => {
    const mailer = createNodeSmtpMailer(plain(server.port), { appUrl: APP_URL, from: FROM, timeouts: FAST })
    await mailer.send(message)
    const got = await server.mailTo(message.to)
    expect(got.envelope).toEqual({ from: FROM.address, to: [message.to] })
    expect(got.parsed.subject).toBe(subject)
    expect(got.parsed.from?.value).toEqual([{ address: FROM.address, name: FROM.name }])
    expect(got.parsed.to).toMatchObject({ value: [{ address: message.to }] })
    expect(got.parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' })
    expect(got.parsed.text).toBeTruthy()
    expect(got.parsed.html).toMatch(/^<!doctype html>/)
    if (link) {
      expect(got.parsed.text).toContain(link)
      // In HTML, the link is attribute-escaped: `&` would be `&amp;` (this one has none).
      expect(got.parsed.html).toContain(`href="${link}"`)
      expect(got.parsed.subject).not.toContain(TOKEN)
    } else {
      expect(got.raw).not.toContain('token=')
    }
  })
})

describe('createNodeSmtpMailer: AUTH and TLS', () => {
  const creds = { user: 'mailer-user', pass: 'S3cr3t-p@ss/word%' }
  let server: TestSmtpServer
  beforeAll(async () => {
    server = await startSmtpServer({ auth: creds })
  })
  afterAll(() => server.stop())

  it('authenticates with the URL credentials', async () => {
    const mailer = createNodeSmtpMailer(
      plain(server.port, { credentials: hiddenCredentials(creds.user, creds.pass) }),
      {
        appUrl: APP_URL,
        from: FROM,
        timeouts: FAST,
      },
    )
    await mailer.send({ purpose: 'password_changed', to: email('auth@example.org') })
    expect((await server.mailTo('auth@example.org')).user).toBe(creds.user)
    expect(server.logins.filter((l) => l.ok).map((l) => l.user)).toEqual([creds.user])
  })

  it('never sends credentials unencrypted to a server off loopback that offers no STARTTLS', async () => {
    // 127.0.0.2 is this machine, but not an address the mailer trusts as its own loopback.
    const remote = await startSmtpServer({ auth: creds, host: '127.0.0.2' })
    try {
      const mailer = createNodeSmtpMailer(
        { ...plain(remote.port, { credentials: hiddenCredentials(creds.user, creds.pass) }), host: '127.0.0.2' },
        { appUrl: APP_URL, from: FROM, timeouts: FAST },
      )
      const err = await unavailable(mailer.send({ purpose: 'password_changed', to: email('clear@example.org') }))
      expect(err.cause.message).not.toContain(creds.pass)
      expect(remote.logins).toEqual([])
      expect(remote.received).toEqual([])
    } finally {
      await remote.stop()
    }
  })

  it('works from one SMTP_URL: parseMailSettings and mailerFrom pick nodemailer with its credentials', async () => {
    const settings = parseMailSettings({
      NODE_ENV: 'production',
      SMTP_URL: `smtp://${creds.user}:${encodeURIComponent(creds.pass)}@127.0.0.1:${server.port}`,
      MAIL_FROM: 'Example Auth <no-reply@example.com>',
      APP_URL: APP_URL,
    })
    const mailer = mailerFrom(settings, { log: silentLog, smtp: createNodeSmtpMailer })
    await mailer?.send({ purpose: 'verify_email', to: email('url@example.org'), token: 't', validFor: seconds(60) })
    const got = await server.mailTo('url@example.org')
    expect(got.user).toBe(creds.user)
    expect(got.parsed.text).toContain(`${APP_URL}/verify-email?token=t`)
  })

  it('fails a wrong password as mail_unavailable (auth), with no credential in the error', async () => {
    const wrong = { user: creds.user, pass: 'wrong-Pa55word!' }
    const mailer = createNodeSmtpMailer(
      plain(server.port, { credentials: hiddenCredentials(wrong.user, wrong.pass) }),
      {
        appUrl: APP_URL,
        from: FROM,
        timeouts: FAST,
      },
    )
    const err = await unavailable(mailer.send({ purpose: 'password_changed', to: email('x@example.org') }))
    expect(err.cause.reason).toBe('auth')
    const everything = `${String(err)} ${JSON.stringify(err)} ${String(err.cause)} ${err.stack ?? ''}`
    for (const secret of [wrong.pass, wrong.user, btoa(`\u0000${wrong.user}\u0000${wrong.pass}`)]) {
      expect(everything).not.toContain(secret)
    }
  })

  it('upgrades with STARTTLS when the server offers it, and speaks TLS from the start with smtps', async () => {
    const cert = makeTestCertificate()
    const starttls = await startSmtpServer({ tls: 'starttls', cert })
    const implicit = await startSmtpServer({ tls: 'implicit', cert })
    try {
      const options = { appUrl: APP_URL, from: FROM, timeouts: FAST, tls: { ca: cert.cert } }
      await createNodeSmtpMailer({ ...plain(starttls.port), host: 'localhost' }, options).send({
        purpose: 'password_changed',
        to: email('st@example.org'),
      })
      await createNodeSmtpMailer({ ...plain(implicit.port), host: 'localhost', secure: true }, options).send({
        purpose: 'password_changed',
        to: email('im@example.org'),
      })
      expect((await starttls.mailTo('st@example.org')).secure).toBe(true)
      expect((await implicit.mailTo('im@example.org')).secure).toBe(true)
      // Without the test CA the certificate is refused: TLS is verified, not merely used.
      const untrusted = createNodeSmtpMailer({ ...plain(starttls.port), host: 'localhost' }, { ...options, tls: {} })
      const err = await unavailable(untrusted.send({ purpose: 'password_changed', to: email('u@example.org') }))
      expect(err.cause.reason).toBe('tls')
    } finally {
      await Promise.all([starttls.stop(), implicit.stop()])
    }
  })
})

describe('createNodeSmtpMailer: a server that is not there is a quick mail_unavailable', () => {
  it('nobody listening on the port: reason connect', async () => {
    const mailer = createNodeSmtpMailer(plain(await freePort()), { appUrl: APP_URL, from: FROM, timeouts: FAST })
    const err = await unavailable(mailer.send({ purpose: 'password_changed', to: email('d@example.org') }))
    expect(err.cause.reason).toBe('connect')
    expect(err.cause).toMatchObject({ name: 'MailDeliveryError', message: expect.stringMatching(/ECONNREFUSED/) })
  })

  it('a server that accepts and never greets: reason timeout, from the greeting bound', async () => {
    const silent: Server = createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const address = silent.address()
    try {
      const port = typeof address === 'object' && address ? address.port : 0
      const mailer = createNodeSmtpMailer(plain(port), { appUrl: APP_URL, from: FROM, timeouts: FAST })
      const err = await unavailable(mailer.send({ purpose: 'password_changed', to: email('s@example.org') }))
      expect(err.cause.reason).toBe('timeout')
      expect(err.cause.message).toMatch(/greeting/i)
    } finally {
      silent.close()
    }
  })
})

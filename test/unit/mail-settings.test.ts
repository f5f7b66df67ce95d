import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  type MailSettings,
  mailerFrom,
  mailTransportOf,
  parseMailSettings,
} from '../../src/adapters/config/mail-settings.js'
import { SettingsError } from '../../src/adapters/config/settings.js'
import { createLog } from '../../src/adapters/log.js'
import type { SendEmailBinding } from '../../src/adapters/mail/send-email-binding.js'
import type { Mailer } from '../../src/application/ports.js'
import type { Email } from '../../src/domain/email.js'
import { captureConsole } from '../support/captured-console.js'

const PASS = 'hunter2-Secret!'
const SMTP = `smtp://mailer:${encodeURIComponent(PASS)}@smtp.example.com:2525`
const PROD = { NODE_ENV: 'production', APP_URL: 'https://app.example.com' }

/** The message of the SettingsError parseMailSettings throws for `env`. */
function refusal(env: Record<string, string | undefined>, serviceOrigin?: string): string {
  try {
    parseMailSettings(env, { serviceOrigin })
  } catch (e) {
    if (e instanceof SettingsError) return e.message
    throw e
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`)
}

describe('parseMailSettings: defaults', () => {
  it('outside production: verification optional, reset on, APP_URL the service origin, no transport', () => {
    expect(parseMailSettings({}, { serviceOrigin: 'http://localhost:3000/' })).toEqual({
      production: false,
      smtp: undefined,
      from: undefined,
      appUrl: 'http://localhost:3000',
      emailVerification: 'optional',
      passwordReset: true,
      mailOn: true,
    } satisfies MailSettings)
  })

  it('treats empty strings as unset, and mail is off only when both flows are off', () => {
    expect(parseMailSettings({ SMTP_URL: '', APP_URL: '' }, { serviceOrigin: 'http://x.test' }).smtp).toBeUndefined()
    expect(parseMailSettings({ EMAIL_VERIFICATION: 'off' }, { serviceOrigin: 'http://x.test' }).mailOn).toBe(true)
    expect(parseMailSettings({ PASSWORD_RESET: 'off' }, { serviceOrigin: 'http://x.test' }).mailOn).toBe(true)
    const off = parseMailSettings({ EMAIL_VERIFICATION: 'off', PASSWORD_RESET: 'off' })
    expect(off).toMatchObject({ mailOn: false, passwordReset: false, emailVerification: 'off', appUrl: undefined })
  })
})

describe('parseMailSettings: each variable', () => {
  it('reads SMTP_URL: host, port, STARTTLS or implicit TLS, decoded credentials', () => {
    const s = parseMailSettings({ SMTP_URL: SMTP, MAIL_FROM: 'a@example.com' }, { serviceOrigin: 'http://x.test' })
    expect(s.smtp).toMatchObject({ secure: false, host: 'smtp.example.com', port: 2525 })
    expect(s.smtp?.credentials).toMatchObject({ user: 'mailer', pass: PASS })
    const tls = parseMailSettings({ ...PROD, SMTP_URL: 'smtps://[::1]', MAIL_FROM: 'a@example.com' })
    expect(tls.smtp).toEqual({ secure: true, host: '::1', port: 465 })
    const submission = parseMailSettings({ ...PROD, SMTP_URL: 'smtp://mx.example.com', MAIL_FROM: 'a@example.com' })
    expect(submission.smtp).toEqual({ secure: false, host: 'mx.example.com', port: 587 })
  })

  it('never prints the SMTP credentials: JSON and inspect show [redacted]', () => {
    const s = parseMailSettings({ SMTP_URL: SMTP, MAIL_FROM: 'a@example.com' }, { serviceOrigin: 'http://x.test' })
    expect(JSON.stringify(s)).not.toContain(PASS)
    expect(JSON.stringify(s)).not.toContain('mailer')
    expect(inspect(s, { depth: 10 })).not.toContain(PASS)
    expect(JSON.stringify(s)).toContain('[redacted]')
  })

  it('reads MAIL_FROM as an address or a name and an address', () => {
    const with_ = (from: string) =>
      parseMailSettings({ SMTP_URL: SMTP, MAIL_FROM: from }, { serviceOrigin: 'http://x.test' }).from
    expect(with_('No-Reply@Example.COM')).toEqual({ address: 'no-reply@example.com' })
    expect(with_('Example Auth <auth@example.com>')).toEqual({ address: 'auth@example.com', name: 'Example Auth' })
  })

  it('reads APP_URL as an origin or a base path, without its trailing slash', () => {
    const app = (url: string) => parseMailSettings({ ...PROD, APP_URL: url, PASSWORD_RESET: 'off' }).appUrl
    expect(app('https://app.example.com/')).toBe('https://app.example.com')
    expect(app('https://example.com/account/')).toBe('https://example.com/account')
    expect(app('http://localhost:5173')).toBe('http://localhost:5173')
    // APP_URL wins over the service origin.
    expect(parseMailSettings({ APP_URL: 'https://a.example' }, { serviceOrigin: 'http://b.test' }).appUrl).toBe(
      'https://a.example',
    )
  })

  it('reads EMAIL_VERIFICATION and PASSWORD_RESET', () => {
    const s = parseMailSettings(
      { EMAIL_VERIFICATION: 'required', PASSWORD_RESET: 'off' },
      { serviceOrigin: 'http://x' },
    )
    expect(s).toMatchObject({ emailVerification: 'required', passwordReset: false, mailOn: true })
  })
})

describe('parseMailSettings: refusals name the variable, never its value', () => {
  it.each([
    ['SMTP_URL', { SMTP_URL: `http://mailer:${PASS}@smtp.example.com` }, /SMTP_URL must start with smtp/],
    ['SMTP_URL', { SMTP_URL: `smtp://mailer:${PASS}@smtp.example.com/path` }, /SMTP_URL must be only/],
    ['SMTP_URL', { SMTP_URL: `smtp://:${PASS}@smtp.example.com` }, /SMTP_URL has a password but no user/],
    ['SMTP_URL', { SMTP_URL: `smtp://mailer:${PASS}%zz@smtp.example.com` }, /SMTP_URL has a user or password/],
    ['SMTP_URL', { SMTP_URL: `not a url ${PASS}` }, /SMTP_URL must be a URL/],
    ['MAIL_FROM', { MAIL_FROM: 'nobody' }, /MAIL_FROM must be an address/],
    ['MAIL_FROM', { MAIL_FROM: 'a@example.com\r\nBcc: x@example.com' }, /MAIL_FROM must be an address/],
    ['APP_URL', { APP_URL: 'ftp://example.com' }, /APP_URL must be an http or https URL/],
    ['APP_URL', { APP_URL: 'https://example.com/?next=1' }, /APP_URL must be an origin or a base path/],
    ['APP_URL', { APP_URL: `https://u:${PASS}@example.com` }, /APP_URL must not hold credentials/],
    ['EMAIL_VERIFICATION', { EMAIL_VERIFICATION: 'maybe' }, /EMAIL_VERIFICATION must be off, optional or required/],
    ['PASSWORD_RESET', { PASSWORD_RESET: 'true' }, /PASSWORD_RESET must be on or off/],
  ])('%s', (_name, env, message) => {
    const text = refusal(env, 'http://localhost:3000')
    expect(text).toMatch(message)
    expect(text).not.toContain(PASS)
    expect(text).not.toContain('maybe')
  })

  it('names every bad variable at once', () => {
    const text = refusal({ SMTP_URL: 'x', MAIL_FROM: 'y', EMAIL_VERIFICATION: 'z' }, 'http://x.test')
    expect(text.split('\n').slice(1)).toHaveLength(3)
  })

  it('needs MAIL_FROM with SMTP_URL, an https APP_URL in production, and an APP_URL when mail is on', () => {
    expect(refusal({ SMTP_URL: SMTP }, 'http://x.test')).toMatch(/MAIL_FROM is required with SMTP_URL/)
    expect(refusal({ ...PROD, APP_URL: 'http://app.example.com' })).toMatch(/APP_URL must be https in production/)
    expect(refusal({ NODE_ENV: 'production' }, 'https://ignored.example')).toMatch(
      /APP_URL is required when NODE_ENV=production and mail is on/,
    )
    expect(refusal({})).toMatch(/APP_URL is required/)
  })
})

describe('parseMailSettings: APP_URL with UI=on', () => {
  const production = { NODE_ENV: 'production' }

  it('defaults to PUBLIC_ORIGIN in production with the pages on, never to the service origin', () => {
    const on = { ui: true, publicOrigin: 'https://auth.example.com', serviceOrigin: 'http://localhost:3000' }
    expect(parseMailSettings(production, on).appUrl).toBe('https://auth.example.com')
    expect(() => parseMailSettings(production, { ...on, publicOrigin: undefined })).toThrow(
      /APP_URL is required when NODE_ENV=production and mail is on \(with UI=on, PUBLIC_ORIGIN will do\)/,
    )
    expect(() => parseMailSettings(production, { ...on, ui: false })).toThrow(/APP_URL is required/)
  })

  it('keeps an explicit APP_URL, and the development default of the service origin', () => {
    const on = { ui: true, publicOrigin: 'https://auth.example.com', serviceOrigin: 'http://localhost:3000' }
    expect(parseMailSettings({ ...production, APP_URL: 'https://app.example.com' }, on).appUrl).toBe(
      'https://app.example.com',
    )
    expect(parseMailSettings({}, on).appUrl).toBe('http://localhost:3000')
  })
})

describe('mailTransportOf and mailerFrom', () => {
  const log = createLog()
  const smtpMailer: Mailer = { send: async () => {} }
  const binding: SendEmailBinding = { send: async () => ({}) }
  const dev = (env: Record<string, string> = {}) => parseMailSettings(env, { serviceOrigin: 'http://localhost:3000' })
  const prod = (env: Record<string, string> = {}) => parseMailSettings({ ...PROD, ...env })
  const withSmtp = { SMTP_URL: SMTP, MAIL_FROM: 'auth@example.com' }

  it('prefers SMTP_URL, then a send_email binding, then (development only) the console', () => {
    const smtp = () => smtpMailer
    expect(mailTransportOf(dev(withSmtp), { smtp, sendEmail: binding })).toBe('smtp')
    expect(mailTransportOf(dev(), { smtp, sendEmail: binding })).toBe('send_email')
    expect(mailTransportOf(dev(), { smtp })).toBe('console')
    expect(mailTransportOf(prod({ EMAIL_VERIFICATION: 'off', PASSWORD_RESET: 'off' }), {})).toBe('off')
  })

  it('refuses production without a transport unless mail is off', () => {
    expect(() => mailTransportOf(prod(), { smtp: () => smtpMailer })).toThrow(
      /NODE_ENV=production needs a mail transport.*EMAIL_VERIFICATION=off and PASSWORD_RESET=off/,
    )
    expect(() => mailTransportOf(prod({ EMAIL_VERIFICATION: 'off' }), {})).toThrow(SettingsError)
    expect(mailTransportOf(prod(), { sendEmail: binding })).toBe('send_email')
    expect(mailTransportOf(prod(withSmtp), { smtp: () => smtpMailer })).toBe('smtp')
  })

  it('refuses SMTP_URL on a runtime without SMTP, and a transport without MAIL_FROM', () => {
    expect(() => mailTransportOf(dev(withSmtp), {})).toThrow(/SMTP_URL is set but this runtime has no SMTP/)
    expect(() => mailerFrom(prod(), { log, sendEmail: binding })).toThrow(/MAIL_FROM is required/)
  })

  it('hands the runtime SMTP factory the parsed server, APP_URL and MAIL_FROM', () => {
    const calls: unknown[] = []
    const mailer = mailerFrom(prod(withSmtp), {
      log,
      smtp: (server, options) => {
        calls.push({ host: server.host, ...options })
        return smtpMailer
      },
    })
    expect(mailer).toBe(smtpMailer)
    expect(calls).toEqual([
      { host: 'smtp.example.com', appUrl: 'https://app.example.com', from: { address: 'auth@example.com' } },
    ])
    expect(mailerFrom(prod({ EMAIL_VERIFICATION: 'off', PASSWORD_RESET: 'off' }), { log })).toBeUndefined()
  })

  it('in development without a transport, prints one JSON line per mail on standard output, with the link', async () => {
    const logged = captureConsole()
    const mailer = mailerFrom(dev(), { log })
    await mailer?.send({
      purpose: 'reset_password',
      to: 'a@example.org' as Email,
      token: 'tok en',
      validFor: 1 as never,
    })
    await mailer?.send({ purpose: 'password_changed', to: 'a@example.org' as Email })
    expect(logged.texts('warn', 'error')).toEqual([])
    expect(logged.texts('log')).toHaveLength(2)
    const [reset, changed] = logged.json()
    expect(reset).toMatchObject({
      level: 'info',
      msg: 'mail',
      type: 'mail',
      purpose: 'reset_password',
      to: 'a@example.org',
      subject: 'Reset your password',
      link: 'http://localhost:3000/reset-password?token=tok%20en',
    })
    expect(Object.keys(reset ?? {})[0]).toBe('time')
    expect(changed).toMatchObject({ purpose: 'password_changed', link: null })
  })
})

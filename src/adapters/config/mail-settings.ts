import * as v from 'valibot'
import type { Mailer } from '../../application/ports.js'
import { parseEmail } from '../../domain/email.js'
import type { Log } from '../log.js'
import { createConsoleMailer } from '../mail/console.js'
import type { MailAddress, RenderOptions } from '../mail/messages.js'
import { createSendEmailMailer, type SendEmailBinding } from '../mail/send-email-binding.js'
import { hiddenCredentials, type SmtpServer } from '../mail/transport.js'
import { SettingsError } from './settings.js'

/** `EMAIL_VERIFICATION`: `required` refuses logins of unverified accounts. */
export type EmailVerification = 'off' | 'optional' | 'required'

/** The account lifecycle's mail configuration (CONTRACT.md, "Account lifecycle"), validated. */
export interface MailSettings {
  readonly production: boolean
  /** `SMTP_URL`, parsed; its credentials print as `[redacted]`. */
  readonly smtp: SmtpServer | undefined
  /** `MAIL_FROM`; undefined when not given (a transport then refuses to start). */
  readonly from: MailAddress | undefined
  /** The base of every link, no trailing slash: `APP_URL`, or in development the service's own origin. */
  readonly appUrl: string | undefined
  readonly emailVerification: EmailVerification
  /** `PASSWORD_RESET=on|off`. */
  readonly passwordReset: boolean
  /** False only with `EMAIL_VERIFICATION=off` and `PASSWORD_RESET=off`: no mail is ever sent. */
  readonly mailOn: boolean
}

/** `smtp://user:pass@host:port` or `smtps://…`, or why not (never echoing the value: it holds a password). */
function smtpServer(raw: string): SmtpServer | string {
  if (!URL.canParse(raw)) return 'must be a URL: smtp://user:pass@host:port or smtps://…'
  const url = new URL(raw)
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') return 'must start with smtp:// or smtps://'
  if (url.hostname === '') return 'must name a host'
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    return 'must be only scheme, credentials, host and port (no path, query or fragment)'
  }
  if (url.password !== '' && url.username === '') return 'has a password but no user'
  let user: string
  let pass: string
  try {
    user = decodeURIComponent(url.username)
    pass = decodeURIComponent(url.password)
  } catch {
    return 'has a user or password that is not valid percent-encoding'
  }
  const secure = url.protocol === 'smtps:'
  const port = url.port === '' ? (secure ? 465 : 587) : Number(url.port)
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  return { secure, host, port, ...(user !== '' && { credentials: hiddenCredentials(user, pass) }) }
}

/** `MAIL_FROM` as `addr@example.com` or `Name <addr@example.com>`. */
function mailAddress(raw: string): MailAddress | string {
  const m = /^\s*(?:([^<>"\r\n]*?)\s*<([^<>\s]+)>|([^<>\s]+))\s*$/.exec(raw)
  const address = m && parseEmail(m[2] ?? m[3] ?? '')
  if (!m || !address) return 'must be an address, or a name and an address: Name <no-reply@example.com>'
  const name = m[1]?.trim()
  if (name !== undefined && name.length > 100) return 'has a name longer than 100 characters'
  return name ? { address, name } : { address }
}

const LOCAL = new Set(['localhost', '127.0.0.1', '[::1]'])

/** `APP_URL`: an origin or a base URL; links get `/verify-email` and `/reset-password` added. */
function appUrl(raw: string, production: boolean): { url: string } | string {
  if (!URL.canParse(raw)) return 'must be a URL such as https://app.example.com'
  const url = new URL(raw)
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL'
  if (url.username !== '' || url.password !== '') return 'must not hold credentials'
  if (url.search !== '' || url.hash !== '' || raw.includes('?') || raw.includes('#')) {
    return 'must be an origin or a base path, without query or fragment'
  }
  // Links carry live tokens: outside a local address, never over plain HTTP in production.
  if (production && url.protocol === 'http:' && !LOCAL.has(url.hostname)) return 'must be https in production'
  return { url: `${url.origin}${url.pathname}`.replace(/\/+$/, '') }
}

/** A parsed value once its problems have been reported (a string is a problem). */
const parsed = <T>(value: T | string | undefined): T | undefined => (typeof value === 'string' ? undefined : value)

const schema = v.object({
  SMTP_URL: v.optional(v.string()),
  MAIL_FROM: v.optional(v.string()),
  APP_URL: v.optional(v.string()),
  EMAIL_VERIFICATION: v.optional(
    v.picklist(['off', 'optional', 'required'], 'must be off, optional or required'),
    'optional',
  ),
  PASSWORD_RESET: v.optional(v.picklist(['on', 'off'], 'must be on or off'), 'on'),
})

/**
 * Validates the mail variables from a plain record (`process.env`, or a Worker's bindings).
 * `serviceOrigin` is the development default of `APP_URL` (the service's own origin). Throws a
 * `SettingsError` naming each bad variable, never its value.
 */
export function parseMailSettings(
  env: Readonly<Record<string, string | undefined>>,
  options: {
    readonly serviceOrigin?: string | undefined
    /** `UI=on`: the links open the service's own pages, so in production `PUBLIC_ORIGIN` may be their base. */
    readonly ui?: boolean | undefined
    readonly publicOrigin?: string | undefined
  } = {},
): MailSettings {
  const production = env.NODE_ENV === 'production'
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''))
  const result = v.safeParse(schema, present)
  const problems: string[] = result.success
    ? []
    : result.issues.map((i) => `${i.path?.map((p: { key: unknown }) => String(p.key)).join('.') ?? '?'} ${i.message}`)
  const s = result.success ? result.output : undefined
  // Checked whatever valibot said of the others, so that every bad variable is named at once.
  const text = (name: string) => (typeof present[name] === 'string' ? present[name] : undefined)
  const [rawSmtp, rawFrom, rawApp] = [text('SMTP_URL'), text('MAIL_FROM'), text('APP_URL')]
  const smtp = rawSmtp === undefined ? undefined : smtpServer(rawSmtp)
  const from = rawFrom === undefined ? undefined : mailAddress(rawFrom)
  const app = rawApp === undefined ? undefined : appUrl(rawApp, production)
  if (typeof smtp === 'string') problems.push(`SMTP_URL ${smtp}`)
  if (typeof from === 'string') problems.push(`MAIL_FROM ${from}`)
  if (typeof app === 'string') problems.push(`APP_URL ${app}`)
  if (problems.length > 0 || !s) throw new SettingsError(`invalid configuration:\n  ${problems.join('\n  ')}`)

  const mailOn = s.EMAIL_VERIFICATION !== 'off' || s.PASSWORD_RESET === 'on'
  // Production never guesses: a link base is APP_URL, or with the pages on the configured
  // PUBLIC_ORIGIN (the pages live there); never the request's Host nor a local default.
  const fallback = production ? (options.ui ? options.publicOrigin : undefined) : options.serviceOrigin
  const url = parsed(app)?.url ?? trimmed(fallback)
  if (mailOn && url === undefined) {
    throw new SettingsError(
      production
        ? 'invalid configuration:\n  APP_URL is required when NODE_ENV=production and mail is on (with UI=on, PUBLIC_ORIGIN will do)'
        : 'invalid configuration:\n  APP_URL is required (no service origin to default it to)',
    )
  }
  if (mailOn && smtp !== undefined && from === undefined) {
    throw new SettingsError('invalid configuration:\n  MAIL_FROM is required with SMTP_URL')
  }
  return {
    production,
    smtp: parsed(smtp),
    from: parsed(from),
    appUrl: url,
    emailVerification: s.EMAIL_VERIFICATION,
    passwordReset: s.PASSWORD_RESET === 'on',
    mailOn,
  }
}

/**
 * `ADMIN_EMAILS` grants `admin` to verified addresses only, when a password is set through a reset
 * link mailed to the listed address; with `EMAIL_VERIFICATION=off` (or mail off altogether) none is
 * ever proven, and with `PASSWORD_RESET=off` no such link exists, so the list could grant nothing,
 * or tempt an operator to trust unproven addresses. Refused at the start rather than ignored. Node and the Worker call it
 * right after the mail settings, before any store opens; `compose` again for embedders.
 */
export function refuseAdminEmailsUnverified(
  adminEmails: readonly string[] | undefined,
  emailVerification: EmailVerification,
  passwordReset = true,
): void {
  if (adminEmails === undefined || adminEmails.length === 0) return
  if (emailVerification === 'off') {
    throw new SettingsError(
      'invalid configuration:\n  ADMIN_EMAILS cannot be set with EMAIL_VERIFICATION=off: it grants admin to verified' +
        ' addresses only, and none is verified with verification off',
    )
  }
  if (!passwordReset) {
    throw new SettingsError(
      'invalid configuration:\n  ADMIN_EMAILS cannot be set with PASSWORD_RESET=off: admin is granted when a listed' +
        " address's password is set through a reset link mailed to it",
    )
  }
}

const trimmed = (origin: string | undefined) => origin?.replace(/\/+$/, '')

/** What the runtime brings to `mailerFrom`: its SMTP transport, a `send_email` binding, its log. */
export interface MailRuntime {
  /** `createNodeSmtpMailer` on Node, `createWorkerSmtpMailer` on Workers: passed in, so neither side imports the other's. */
  readonly smtp?: (server: SmtpServer, options: RenderOptions) => Mailer
  /** A Workers `send_email` binding, when one is bound. */
  readonly sendEmail?: SendEmailBinding | undefined
  /** Where development mails go without a transport. */
  readonly log: Log
}

/** Which transport `mailerFrom` picks: `SMTP_URL` first, then a `send_email` binding, then (development) the console. */
export type MailTransportKind = 'smtp' | 'send_email' | 'console' | 'off'

/** The transport for these settings on this runtime; a `SettingsError` when production has none and needs one. */
export function mailTransportOf(settings: MailSettings, runtime: Omit<MailRuntime, 'log'>): MailTransportKind {
  if (!settings.mailOn) return 'off'
  if (settings.smtp) {
    if (!runtime.smtp) throw new SettingsError('invalid configuration:\n  SMTP_URL is set but this runtime has no SMTP')
    return 'smtp'
  }
  if (runtime.sendEmail) return 'send_email'
  if (settings.production) {
    throw new SettingsError(
      'invalid configuration:\n  NODE_ENV=production needs a mail transport (SMTP_URL or a send_email binding)' +
        ' unless EMAIL_VERIFICATION=off and PASSWORD_RESET=off',
    )
  }
  return 'console'
}

/** The `Mailer` the settings ask for on this runtime, or undefined when mail is off. */
export function mailerFrom(settings: MailSettings, runtime: MailRuntime): Mailer | undefined {
  const kind = mailTransportOf(settings, runtime)
  // parseMailSettings guarantees an APP_URL whenever mail is on.
  const appUrl = settings.appUrl ?? ''
  const from = settings.from
  if (kind === 'off') return undefined
  if (kind === 'console') return createConsoleMailer({ appUrl, from: from ?? DEV_FROM, log: runtime.log })
  if (!from) throw new SettingsError('invalid configuration:\n  MAIL_FROM is required with a mail transport')
  if (kind === 'send_email' && runtime.sendEmail) return createSendEmailMailer(runtime.sendEmail, { appUrl, from })
  if (!settings.smtp || !runtime.smtp) throw new Error('mailTransportOf chose SMTP without one')
  return runtime.smtp(settings.smtp, { appUrl, from })
}

/** The sender of development mails when `MAIL_FROM` is not set: they never leave the console. */
const DEV_FROM: MailAddress = { address: 'no-reply@localhost' }

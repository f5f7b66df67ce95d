import type { MailMessage } from '../../application/mail.js'
import type { Millis } from '../../domain/units.js'

/** A sender: `MAIL_FROM` as `addr@example.com` or `Name <addr@example.com>`. */
export interface MailAddress {
  readonly address: string
  readonly name?: string
}

/** One mail ready for a transport: plain text plus simple HTML, the same words in both. */
export interface RenderedMail {
  readonly to: string
  readonly from: MailAddress
  readonly subject: string
  readonly text: string
  readonly html: string
}

/** What rendering needs besides the message: `APP_URL` (no trailing slash) and `MAIL_FROM`. */
export interface RenderOptions {
  readonly appUrl: string
  readonly from: MailAddress
}

/**
 * The link a message carries, built from `APP_URL` only (never from a request's `Host`):
 * `${APP_URL}/verify-email?token=…` or `${APP_URL}/reset-password?token=…`. Opening it consumes
 * nothing; the page it opens does the `POST`.
 */
export function linkFor(message: MailMessage, appUrl: string): string | undefined {
  const page = { verify_email: 'verify-email', confirm_new_email: 'verify-email', reset_password: 'reset-password' }
  if (!('token' in message)) return undefined
  return `${appUrl}/${page[message.purpose]}?token=${encodeURIComponent(message.token)}`
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
/** Text as HTML text or as a quoted attribute value. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c)

/** `30 minutes`, `24 hours`: how long a link works, in the unit that reads best. */
export function duration(d: Millis): string {
  const minutes = Math.round(d / 60_000)
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`
  return minutes >= 120 && minutes % 60 === 0 ? plural(minutes / 60, 'hour') : plural(minutes, 'minute')
}

/** A mail's words: paragraphs, and the link (with the label of its button) when it has one. */
interface Body {
  readonly subject: string
  readonly before: readonly string[]
  readonly action?: { readonly label: string; readonly href: string }
  readonly after: readonly string[]
}

function words(m: MailMessage, site: string, link: string | undefined): Body {
  const action = (label: string) => (link === undefined ? {} : { action: { label, href: link } })
  switch (m.purpose) {
    case 'verify_email':
      return {
        subject: 'Confirm your email address',
        before: [`Please confirm that ${m.to} is your email address at ${site}.`],
        ...action('Confirm my address'),
        after: [`The link works for ${duration(m.validFor)}.`, `If you did not sign up at ${site}, ignore this mail.`],
      }
    case 'reset_password':
      return {
        subject: 'Reset your password',
        before: [`Someone asked to reset the password of the account for ${m.to} at ${site}.`],
        ...action('Choose a new password'),
        after: [
          `The link works once, for ${duration(m.validFor)}.`,
          'If it was not you, ignore this mail: your password stays as it is.',
        ],
      }
    case 'confirm_new_email':
      return {
        subject: 'Confirm your new email address',
        before: [`Please confirm that ${m.to} is the new email address of your account at ${site}.`],
        ...action('Confirm my new address'),
        after: [
          `The link works for ${duration(m.validFor)}.`,
          'If you did not ask for this, ignore this mail: nothing changes.',
        ],
      }
    case 'email_change_notice':
      return {
        subject: 'Your email address is being changed',
        before: [
          `Someone signed in to your account at ${site} asked to change its email address to ${m.newEmail}.`,
          'The address changes only when the link sent to the new address is used.',
        ],
        after: ['If this was not you, change your password now.'],
      }
    case 'password_changed':
      return {
        subject: 'Your password was changed',
        before: [`The password of the account for ${m.to} at ${site} was changed.`],
        after: ['If this was not you, reset your password now.'],
      }
  }
}

const paragraphs = (ps: readonly string[]) => ps.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')

/**
 * The mail for a message: the subject never holds the token (subjects show in notifications and
 * logs); the HTML escapes every interpolated value, the link included.
 */
export function renderMail(message: MailMessage, options: RenderOptions): RenderedMail {
  const site = new URL(options.appUrl).host
  const body = words(message, site, linkFor(message, options.appUrl))
  const text = [...body.before, ...(body.action ? [body.action.href] : []), ...body.after].join('\n\n')
  const button = body.action
    ? `<p><a href="${escapeHtml(body.action.href)}">${escapeHtml(body.action.label)}</a></p>\n` +
      `<p>Or copy this link into your browser: ${escapeHtml(body.action.href)}</p>\n`
    : ''
  const html =
    '<!doctype html>\n<html><head><meta charset="utf-8"></head><body>\n' +
    `${paragraphs(body.before)}\n${button}${paragraphs(body.after)}\n</body></html>\n`
  return { to: message.to, from: options.from, subject: body.subject, text: `${text}\n`, html }
}

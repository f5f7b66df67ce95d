import { simpleParser } from 'mailparser'
import { describe, expect, it } from 'vitest'
import { duration, escapeHtml, linkFor, renderMail } from '../../src/adapters/mail/messages.js'
import { dotStuffed, headerText, toMime } from '../../src/adapters/mail/mime.js'
import type { MailMessage } from '../../src/application/mail.js'
import type { Email } from '../../src/domain/email.js'
import { seconds } from '../../src/domain/units.js'

const APP = 'https://app.example.com'
const FROM = { address: 'no-reply@example.com', name: 'Example' }
const email = (s: string) => s as Email
// Not a real token's alphabet: it has every character that HTML or a URL treats specially.
const NASTY = `a&b<c>d"e'f g/h?i#j+k=l%m`

const withToken = (
  purpose: 'verify_email' | 'reset_password' | 'confirm_new_email',
  token = 'T0k3n_-xyz',
): MailMessage => ({
  purpose,
  to: email('user@example.org'),
  token,
  validFor: seconds(purpose === 'reset_password' ? 1800 : 86_400),
})

const ALL: MailMessage[] = [
  withToken('verify_email'),
  withToken('reset_password'),
  withToken('confirm_new_email'),
  { purpose: 'email_change_notice', to: email('old@example.org'), newEmail: email('new@example.org') },
  { purpose: 'password_changed', to: email('user@example.org') },
]

describe('linkFor: links are APP_URL plus a fixed page and the URL-encoded token', () => {
  it('builds the two contract links exactly', () => {
    expect(linkFor(withToken('verify_email'), APP)).toBe('https://app.example.com/verify-email?token=T0k3n_-xyz')
    expect(linkFor(withToken('confirm_new_email'), APP)).toBe('https://app.example.com/verify-email?token=T0k3n_-xyz')
    expect(linkFor(withToken('reset_password'), APP)).toBe('https://app.example.com/reset-password?token=T0k3n_-xyz')
  })

  it('keeps a base path and encodes every special character of the token', () => {
    const link = linkFor(withToken('reset_password', NASTY), 'https://example.com/app')
    expect(link).toBe(`https://example.com/app/reset-password?token=${encodeURIComponent(NASTY)}`)
    expect(new URL(link ?? '').searchParams.get('token')).toBe(NASTY)
  })

  it('gives no link to the notices', () => {
    expect(linkFor(ALL[3] as MailMessage, APP)).toBeUndefined()
    expect(linkFor(ALL[4] as MailMessage, APP)).toBeUndefined()
  })
})

describe('renderMail', () => {
  it.each(ALL)('$purpose: to, from, a subject without the token, text and HTML with the same link', (message) => {
    const mail = renderMail(message, { appUrl: APP, from: FROM })
    expect(mail.to).toBe(message.to)
    expect(mail.from).toEqual(FROM)
    expect(mail.subject).not.toMatch(/token|T0k3n/i)
    expect(mail.text).not.toMatch(/<\w/)
    expect(mail.html).toMatch(/^<!doctype html>/)
    const link = linkFor(message, APP)
    if (link) {
      expect(mail.text).toContain(`\n\n${link}\n\n`)
      expect(mail.html).toContain(`<a href="${escapeHtml(link)}">`)
    } else {
      expect(mail.text).not.toContain('token=')
      expect(mail.html).not.toContain('<a ')
    }
  })

  it('gives every purpose its own subject', () => {
    const subjects = ALL.map((m) => renderMail(m, { appUrl: APP, from: FROM }).subject)
    expect(new Set(subjects).size).toBe(ALL.length)
  })

  it('escapes every interpolated value in the HTML, the link and the addresses included', () => {
    const to = email(`o'brien&<x>@example.org`)
    const mail = renderMail({ ...withToken('verify_email', NASTY), to }, { appUrl: APP, from: FROM })
    expect(mail.html).toContain('o&#39;brien&amp;&lt;x&gt;@example.org')
    expect(mail.html).not.toContain('<x>')
    // encodeURIComponent leaves `'` as it is; in the attribute it is an entity, which the browser decodes.
    const link = `${APP}/verify-email?token=${encodeURIComponent(NASTY)}`
    expect(mail.html).toContain(`href="${link.replace("'", '&#39;')}"`)
    // The text part is plain text: the address as it is.
    expect(mail.text).toContain(`o'brien&<x>@example.org`)
    const notice = renderMail(
      { purpose: 'email_change_notice', to: email('old@example.org'), newEmail: email('"><script>@evil.example') },
      { appUrl: APP, from: FROM },
    )
    expect(notice.html).not.toContain('<script>')
    expect(notice.html).toContain('&quot;&gt;&lt;script&gt;@evil.example')
  })

  it('names the site by APP_URL and says how long the link works', () => {
    const reset = renderMail(withToken('reset_password'), { appUrl: 'https://id.example.net/auth', from: FROM })
    expect(reset.text).toContain('at id.example.net.')
    expect(reset.text).toContain('30 minutes')
    expect(renderMail(withToken('verify_email'), { appUrl: APP, from: FROM }).text).toContain('24 hours')
  })
})

describe('duration', () => {
  it('reads as minutes or whole hours', () => {
    expect(duration(seconds(60))).toBe('1 minute')
    expect(duration(seconds(1800))).toBe('30 minutes')
    expect(duration(seconds(5400))).toBe('90 minutes')
    expect(duration(seconds(7200))).toBe('2 hours')
    expect(duration(seconds(86_400))).toBe('24 hours')
  })
})

describe('toMime (the Workers transport composes its own)', () => {
  it('round-trips through mailparser: headers, both parts, a non-ASCII subject and name', async () => {
    const mail = {
      ...renderMail(withToken('verify_email'), {
        appUrl: APP,
        from: { address: FROM.address, name: 'Zoë "Q" Ünïcode' },
      }),
      subject: 'Bestätigen Sie Ihre Adresse — ein sehr langer Betreff mit Umlauten äöü',
    }
    const parsed = await simpleParser(toMime(mail, new Date('2026-01-02T03:04:05Z')))
    expect(parsed.subject).toBe(mail.subject)
    expect(parsed.from?.value).toEqual([{ address: FROM.address, name: 'Zoë "Q" Ünïcode' }])
    expect(parsed.to).toMatchObject({ value: [{ address: 'user@example.org' }] })
    expect(parsed.date?.toISOString()).toBe('2026-01-02T03:04:05.000Z')
    expect(parsed.messageId).toMatch(/^<[0-9a-f]{32}@example\.com>$/)
    expect(parsed.text).toBe(mail.text)
    expect(parsed.html).toBe(mail.html)
  })

  it('refuses a line break in any header value or address, so nothing becomes a header of its own', () => {
    const base = renderMail(withToken('verify_email'), { appUrl: APP, from: FROM })
    expect(() => toMime({ ...base, subject: 'Hi\r\nBcc: victim@example.org' })).toThrow(/line break/)
    expect(() => toMime({ ...base, to: 'a@example.org\r\nBcc: b@example.org' })).toThrow(/address/)
    expect(() => toMime({ ...base, from: { address: FROM.address, name: 'x\nBcc: y' } })).toThrow(/line break/)
    expect(() => headerText('ok\r')).toThrow()
  })

  it('keeps every line within 78 characters', () => {
    const long = renderMail(withToken('verify_email', 'x'.repeat(500)), { appUrl: APP, from: FROM })
    const lines = toMime(long).split('\r\n')
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(78)
  })

  it('dot-stuffs lines that start with a dot', () => {
    expect(dotStuffed('.a\r\nb\r\n.c\r\n..d')).toBe('..a\r\nb\r\n..c\r\n...d')
  })
})

import type { MailAddress, RenderedMail } from './messages.js'

/**
 * A rendered mail as an RFC 5322 message for an SMTP `DATA` (the Workers transport: nodemailer
 * composes its own on Node). Web APIs only. Both parts are UTF-8 in base64, so no body line can
 * start with a dot or run past 76 characters; headers are refused when they hold a line break,
 * so nothing a value holds can become a header of its own.
 */

const encoder = new TextEncoder()

function base64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

/** Base64 in lines of 76, as MIME wants. */
const base64Lines = (text: string): string => base64(encoder.encode(text)).replace(/.{76}(?=.)/g, '$&\r\n')

const ASCII_PRINTABLE = /^[\x20-\x7e]*$/

/** A header value: as it is when printable ASCII, else RFC 2047 encoded words of at most 45 bytes each. */
export function headerText(value: string): string {
  if (/[\r\n]/.test(value)) throw new Error('a header value holds a line break')
  if (ASCII_PRINTABLE.test(value)) return value
  const words: string[] = []
  let chunk = ''
  for (const ch of value) {
    if (encoder.encode(chunk + ch).length > 45) {
      words.push(chunk)
      chunk = ''
    }
    chunk += ch
  }
  words.push(chunk)
  return words.map((w) => `=?UTF-8?B?${base64(encoder.encode(w))}?=`).join('\r\n ')
}

/** An address for `MAIL FROM`/`RCPT TO` and the headers: nothing that could end the command or the bracket. */
export function envelopeAddress(address: string): string {
  if (!/^[^\s<>()",;\\]+@[^\s<>()",;\\@]+$/.test(address)) throw new Error('not a plain mail address')
  return address
}

/** `From:` as `"Name" <addr>`, the name quoted (or encoded when it is not printable ASCII). */
function mailbox(a: MailAddress): string {
  const address = envelopeAddress(a.address)
  if (a.name === undefined || a.name === '') return address
  const name = ASCII_PRINTABLE.test(a.name) ? `"${a.name.replace(/["\\]/g, '\\$&')}"` : headerText(a.name)
  return `${name} <${address}>`
}

const randomHex = (bytes: number): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('')

/** The message as CRLF lines, ending in a CRLF; `now` dates it. Not dot-stuffed: see `dotStuffed`. */
export function toMime(mail: RenderedMail, now: Date = new Date()): string {
  const boundary = `alt-${randomHex(16)}`
  const domain = envelopeAddress(mail.from.address).split('@')[1]
  const part = (type: string, body: string) =>
    [
      `--${boundary}`,
      `Content-Type: ${type}; charset=utf-8`,
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(body),
    ].join('\r\n')
  return [
    `From: ${mailbox(mail.from)}`,
    `To: ${envelopeAddress(mail.to)}`,
    `Subject: ${headerText(mail.subject)}`,
    `Date: ${now.toUTCString()}`,
    `Message-ID: <${randomHex(16)}@${domain}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative;\r\n boundary="${boundary}"`,
    '',
    part('text/plain', mail.text),
    part('text/html', mail.html),
    `--${boundary}--`,
    '',
  ].join('\r\n')
}

/** `DATA` content: every line that starts with a dot gets one more (RFC 5321 4.5.2). */
export const dotStuffed = (mime: string): string => mime.replace(/(^|\r\n)\./g, '$1..')

import type { ConnectionOptions } from 'node:tls'
import { createTransport } from 'nodemailer'
import type { Mailer } from '../../application/ports.js'
import { type RenderOptions, renderMail } from './messages.js'
import { envelopeAddress } from './mime.js'
import {
  DEFAULT_SMTP_TIMEOUTS,
  type MailFailureReason,
  mailUnavailable,
  mustEncryptBeforeAuth,
  type SmtpServer,
  type SmtpTimeouts,
} from './transport.js'

/** `createNodeSmtpMailer`'s options: the renderer's, and the bounds of each step. */
export interface NodeSmtpOptions extends RenderOptions {
  readonly timeouts?: SmtpTimeouts
  /** Extra TLS options (a private CA, for a test server); certificates are always verified. */
  readonly tls?: Pick<ConnectionOptions, 'ca' | 'servername'>
}

// nodemailer's error codes (its errors.js), as the reasons of a `mail_unavailable`.
const REASONS: Readonly<Record<string, MailFailureReason>> = {
  ECONNECTION: 'connect',
  ESOCKET: 'connect',
  EDNS: 'connect',
  ECONNREFUSED: 'connect',
  ETIMEDOUT: 'timeout',
  ETLS: 'tls',
  EREQUIRETLS: 'tls',
  EAUTH: 'auth',
  ENOAUTH: 'auth',
  EENVELOPE: 'rejected',
  EMESSAGE: 'rejected',
}

/**
 * The `Mailer` on Node: nodemailer over SMTP, one connection per mail. `smtp://` upgrades with
 * STARTTLS when the server offers it; `smtps://` is TLS from the first byte. Every step is
 * bounded, so a dead server is a `mail_unavailable` within seconds. nodemailer's own logger
 * stays off: it would print the AUTH exchange.
 */
export function createNodeSmtpMailer(server: SmtpServer, options: NodeSmtpOptions): Mailer {
  const timeouts = options.timeouts ?? DEFAULT_SMTP_TIMEOUTS
  const transport = createTransport({
    host: server.host,
    port: server.port,
    secure: server.secure,
    // STARTTLS or nothing when credentials would cross the network (see mustEncryptBeforeAuth).
    requireTLS: mustEncryptBeforeAuth(server),
    ...(server.credentials && { auth: { user: server.credentials.user, pass: server.credentials.pass } }),
    connectionTimeout: timeouts.connect,
    greetingTimeout: timeouts.greeting,
    socketTimeout: timeouts.socket,
    dnsTimeout: timeouts.connect,
    logger: false,
    debug: false,
    tls: { minVersion: 'TLSv1.2', ...options.tls },
  })
  return {
    async send(message) {
      const mail = renderMail(message, options)
      const from =
        mail.from.name === undefined ? mail.from.address : { name: mail.from.name, address: mail.from.address }
      try {
        // An explicit envelope of plain addresses: nodemailer would otherwise parse `to` as a list.
        const envelope = { from: envelopeAddress(mail.from.address), to: [envelopeAddress(mail.to)] }
        const to = { name: '', address: mail.to }
        await transport.sendMail({ from, to, envelope, subject: mail.subject, text: mail.text, html: mail.html })
      } catch (err) {
        const code = String((err as { code?: unknown }).code ?? '')
        const text = `${code || 'error'}: ${err instanceof Error ? err.message : String(err)}`
        // A certificate nodemailer cannot verify is an ESOCKET: say tls, as it is.
        const tls = code === 'ESOCKET' && /certificate|\btls\b|\bssl\b/i.test(text)
        throw mailUnavailable(tls ? 'tls' : (REASONS[code] ?? 'protocol'), text, server.credentials)
      }
    },
  }
}

import type { Mailer } from '../../application/ports.js'
import { type Millis, seconds } from '../../domain/units.js'
import { type RenderOptions, renderMail } from './messages.js'
import { MailDeliveryError, mailUnavailable, within } from './transport.js'

/**
 * Cloudflare's `send_email` binding, as far as this adapter uses it: the message-builder form of
 * `send` (workerd's `SendEmail` type), which composes the MIME itself. Miniflare emulates it.
 */
export interface SendEmailBinding {
  send(message: {
    from: string | { name: string; email: string }
    to: string
    subject: string
    text: string
    html: string
  }): Promise<unknown>
}

/** `createSendEmailMailer`'s options: the renderer's, and how long one send may take. */
export interface SendEmailOptions extends RenderOptions {
  readonly timeout?: Millis
}

/**
 * The `Mailer` over a `send_email` binding. A send the binding refuses (a sender or destination
 * it does not allow) or that does not finish in time is `mail_unavailable`, as an SMTP failure is.
 */
export function createSendEmailMailer(binding: SendEmailBinding, options: SendEmailOptions): Mailer {
  const timeout = options.timeout ?? seconds(10)
  return {
    async send(message) {
      const mail = renderMail(message, options)
      const from = mail.from.name ? { name: mail.from.name, email: mail.from.address } : mail.from.address
      const sending = binding.send({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html })
      try {
        await within(sending, timeout, () => new MailDeliveryError('timeout', 'the send_email binding timed out'))
      } catch (err) {
        if (err instanceof MailDeliveryError) throw mailUnavailable(err.reason, err.message)
        throw mailUnavailable('rejected', `send_email: ${err instanceof Error ? err.message : String(err)}`)
      }
    },
  }
}

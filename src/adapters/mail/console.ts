import type { Mailer } from '../../application/ports.js'
import type { Log } from '../log.js'
import { linkFor, type RenderOptions, renderMail } from './messages.js'

/** `createConsoleMailer`'s options: the renderer's, and the log the lines go to. */
export interface ConsoleMailerOptions extends RenderOptions {
  readonly log: Log
}

/**
 * Development without a transport: each mail is one JSON line on standard output, through the
 * service's log (`{time, level: "info", msg: "mail", type: "mail", purpose, to, subject, link}`),
 * so a developer can follow the link. The link holds a live token: this is for development only,
 * and src/adapters/config/mail-settings.ts never picks it in production. `LOG_LEVEL=warn` or
 * above hides these lines with the rest of `info`.
 */
export function createConsoleMailer(options: ConsoleMailerOptions): Mailer {
  return {
    async send(message) {
      const mail = renderMail(message, options)
      options.log.line('info', 'mail', {
        type: 'mail',
        purpose: message.purpose,
        to: mail.to,
        subject: mail.subject,
        link: linkFor(message, options.appUrl) ?? null,
      })
    },
  }
}

import { connect } from 'cloudflare:sockets'
import type { Mailer } from '../../application/ports.js'
import { type RenderOptions, renderMail } from './messages.js'
import { type Connect, deliver } from './smtp-client.js'
import { DEFAULT_SMTP_TIMEOUTS, type SmtpServer, type SmtpTimeouts } from './transport.js'

/** `createWorkerSmtpMailer`'s options: the renderer's, and the bounds of each step. */
export interface WorkerSmtpOptions extends RenderOptions {
  readonly timeouts?: SmtpTimeouts
}

/**
 * The `Mailer` on Workers: SMTP over `cloudflare:sockets` (smtp-client.ts), one connection per
 * mail, from the same `SMTP_URL` as on Node. Cloudflare refuses outbound port 25; use 587
 * (STARTTLS) or 465 (`smtps://`). A send may outlive the response that caused it only through
 * `ctx.waitUntil`.
 */
export function createWorkerSmtpMailer(server: SmtpServer, options: WorkerSmtpOptions): Mailer {
  const timeouts = options.timeouts ?? DEFAULT_SMTP_TIMEOUTS
  // workerd's `Socket` has more than the client uses; its `startTls` returns a `Socket` too.
  const open = connect as unknown as Connect
  return {
    send: (message) => deliver(open, server, timeouts, renderMail(message, options)),
  }
}

import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { mailerFrom, mailTransportOf, parseMailSettings } from '../../src/adapters/config/mail-settings.js'
import { silentLog } from '../../src/adapters/log.js'
import { createSendEmailMailer, type SendEmailBinding } from '../../src/adapters/mail/send-email-binding.js'
import type { Email } from '../../src/domain/email.js'
import { UnavailableError } from '../../src/domain/errors.js'
import { millis, seconds } from '../../src/domain/units.js'

/**
 * Cloudflare's `send_email` binding as Miniflare emulates it (vitest.workers.config.ts binds
 * TEST_SEND_EMAIL, allowing sender auth@example.com and destination allowed@example.org). The
 * emulation checks those lists and answers a message id; it keeps no mailbox a test could read,
 * so what is sent is checked by a recording wrapper around the real binding. Its refusals are
 * mapped the same way (measured), but workerd prints each as an "uncaught exception" of the
 * binding's own isolate: the refusal tests use a binding that throws what Miniflare's throws.
 */

const APP_URL = 'https://app.example.com'
const FROM = { address: 'auth@example.com', name: 'Example Auth' }
const ALLOWED = 'allowed@example.org' as Email

type Sent = Parameters<SendEmailBinding['send']>[0]

/** The real binding, recording what it was asked to send and what it answered. */
function recorded(): { binding: SendEmailBinding; sent: Sent[]; answers: unknown[] } {
  const sent: Sent[] = []
  const answers: unknown[] = []
  const binding: SendEmailBinding = {
    send: async (message) => {
      sent.push(message)
      const answer = await env.TEST_SEND_EMAIL.send(message)
      answers.push(answer)
      return answer
    },
  }
  return { binding, sent, answers }
}

/** A binding that refuses as Miniflare's does for an address outside its lists. */
const refusing = (reason: string): SendEmailBinding => ({ send: () => Promise.reject(new Error(reason)) })

async function reasonOf(send: Promise<void>): Promise<string> {
  const err = await send.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(UnavailableError)
  expect(err).toMatchObject({ code: 'mail_unavailable', retryAfter: seconds(30) })
  return ((err as UnavailableError).cause as { reason: string }).reason
}

describe('createSendEmailMailer over the send_email binding (Miniflare)', () => {
  it('sends the rendered mail: sender, recipient, subject, text and HTML with the link', async () => {
    const { binding, sent, answers } = recorded()
    const mailer = createSendEmailMailer(binding, { appUrl: APP_URL, from: FROM })
    await mailer.send({ purpose: 'reset_password', to: ALLOWED, token: 'tok-1', validFor: seconds(1800) })
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({
      from: { name: FROM.name, email: FROM.address },
      to: ALLOWED,
      subject: 'Reset your password',
      text: expect.stringContaining(`${APP_URL}/reset-password?token=tok-1`),
      html: expect.stringContaining(`href="${APP_URL}/reset-password?token=tok-1"`),
    })
    // The emulation checked both lists and made an id at the sender's domain.
    expect(answers).toEqual([{ messageId: expect.stringMatching(/^<\w+@example\.com>$/) }])
  })

  it('is what mailerFrom picks in production when the binding is bound and SMTP_URL is not', async () => {
    const settings = parseMailSettings({ NODE_ENV: 'production', MAIL_FROM: FROM.address, APP_URL })
    const { binding, answers } = recorded()
    expect(mailTransportOf(settings, { sendEmail: binding })).toBe('send_email')
    await mailerFrom(settings, { log: silentLog, sendEmail: binding })?.send({
      purpose: 'password_changed',
      to: ALLOWED,
    })
    expect(answers).toHaveLength(1)
  })

  it('a destination or sender the binding refuses is mail_unavailable (rejected)', async () => {
    const to = 'someone-else@example.org' as Email
    const options = { appUrl: APP_URL, from: FROM }
    const destination = createSendEmailMailer(refusing(`email to ${to} not allowed`), options)
    expect(await reasonOf(destination.send({ purpose: 'password_changed', to }))).toBe('rejected')
    const sender = createSendEmailMailer(refusing('email from intruder@example.com not allowed'), options)
    expect(await reasonOf(sender.send({ purpose: 'password_changed', to: ALLOWED }))).toBe('rejected')
  })

  it('a binding that does not answer in time is mail_unavailable (timeout)', async () => {
    const stuck: SendEmailBinding = { send: () => new Promise(() => {}) }
    const mailer = createSendEmailMailer(stuck, { appUrl: APP_URL, from: FROM, timeout: millis(50) })
    expect(await reasonOf(mailer.send({ purpose: 'password_changed', to: ALLOWED }))).toBe('timeout')
  })
})

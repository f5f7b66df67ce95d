import { type Background, later } from '../../src/application/deps.js'
import type { Mailer, MailMessage } from '../../src/application/ports.js'
import { UnavailableError } from '../../src/domain/errors.js'
import { seconds } from '../../src/domain/units.js'

/**
 * The mailer of the in-process HTTP and unit tests: it keeps every message it accepts, and can be
 * told to refuse (an SMTP outage) the way the real transports do. The SMTP transports themselves
 * are tested against a real SMTP server (test/mail, test/workers/mail-*.test.ts).
 */
export interface Outbox extends Mailer {
  readonly sent: MailMessage[]
  /** While true, every send throws `mail_unavailable`, as a transport that cannot deliver does. */
  failing: boolean
  /** When set, the sends it picks throw `mail_unavailable` (one recipient's server down). */
  refuses: ((message: MailMessage) => boolean) | undefined
  /** The messages to one address, oldest first. */
  to(address: string): MailMessage[]
  /** The token of the last mail to `address` that carried one. */
  lastToken(address: string): string
}

export function outbox(): Outbox {
  const sent: MailMessage[] = []
  const box: Outbox = {
    sent,
    failing: false,
    refuses: undefined,
    async send(message) {
      if (box.failing || box.refuses?.(message)) throw new UnavailableError('mail_unavailable', seconds(30))
      sent.push(message)
    },
    to: (address) => sent.filter((m) => m.to === address),
    lastToken(address) {
      const withToken = box.to(address).filter((m) => 'token' in m)
      const last = withToken.at(-1)
      if (!last || !('token' in last)) throw new Error(`no mail with a token to ${address}`)
      return last.token
    },
  }
  return box
}

/** Background work the tests can wait for: `settled()` resolves once every task has finished. */
export interface TrackedBackground extends Background {
  settled(): Promise<void>
}

export function trackedBackground(): TrackedBackground {
  const tasks: Promise<unknown>[] = []
  return {
    run(task) {
      tasks.push(later(task))
    },
    async settled() {
      while (tasks.length > 0) await Promise.all(tasks.splice(0))
    },
  }
}

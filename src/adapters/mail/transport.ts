import { MAIL_RETRY_AFTER, UnavailableError } from '../../domain/errors.js'
import { type Millis, seconds } from '../../domain/units.js'

/**
 * What the SMTP transports share: the server as `SMTP_URL` names it, their time bounds, and the
 * one way a failed send leaves them (`UnavailableError('mail_unavailable')` whose cause says why
 * without a credential in it).
 */

/** The user and password of `SMTP_URL`; printed or serialised, they show as `[redacted]`. */
export interface SmtpCredentials {
  readonly user: string
  readonly pass: string
}

/** `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://…` (TLS from the first byte). */
export interface SmtpServer {
  readonly secure: boolean
  readonly host: string
  readonly port: number
  readonly credentials?: SmtpCredentials
}

/** The names of this machine's own loopback interface, exactly: a relay beside the service. */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1'])

/**
 * Whether a send must be encrypted before it authenticates: whenever it has credentials and the
 * server is not this machine's loopback. Without this, anyone on the path could strip the
 * server's STARTTLS offer from its EHLO and read the password from the AUTH that follows.
 */
export const mustEncryptBeforeAuth = (server: SmtpServer): boolean =>
  server.credentials !== undefined && !server.secure && !LOOPBACK.has(server.host)

/**
 * How long each step may take, so a dead or silent server is a quick `mail_unavailable`:
 * `connect` for the TCP (and implicit TLS) connection, `greeting` for the server's first line
 * and a STARTTLS upgrade, `socket` for each later reply.
 */
export interface SmtpTimeouts {
  readonly connect: Millis
  readonly greeting: Millis
  readonly socket: Millis
}

export const DEFAULT_SMTP_TIMEOUTS: SmtpTimeouts = { connect: seconds(5), greeting: seconds(5), socket: seconds(10) }

export { MAIL_RETRY_AFTER } from '../../domain/errors.js'

/** Why a send failed, as the cause of its `mail_unavailable`. */
export type MailFailureReason = 'connect' | 'timeout' | 'closed' | 'tls' | 'auth' | 'rejected' | 'protocol'

/** The cause of a `mail_unavailable`: a reason and a message with every credential taken out. */
export class MailDeliveryError extends Error {
  override readonly name = 'MailDeliveryError'
  constructor(
    readonly reason: MailFailureReason,
    message: string,
  ) {
    super(message)
  }
}

/** `[redacted]` wherever a credential shows: as given, URL-encoded, or in base64 as AUTH sends it. */
export function redact(text: string, credentials: SmtpCredentials | undefined): string {
  if (!credentials) return text
  const { user, pass } = credentials
  const forms = [user, pass, encodeURIComponent(user), encodeURIComponent(pass), base64(user), base64(pass)]
  const plain = base64(`\u0000${user}\u0000${pass}`)
  return [plain, ...forms]
    .filter((f) => f.length >= 3)
    .sort((a, b) => b.length - a.length)
    .reduce((t, f) => t.split(f).join('[redacted]'), text)
}

const base64 = (s: string): string => btoa(String.fromCharCode(...new TextEncoder().encode(s)))

/** The error every transport throws for a failed send. */
export function mailUnavailable(
  reason: MailFailureReason,
  message: string,
  credentials?: SmtpCredentials,
): UnavailableError {
  const cause = new MailDeliveryError(reason, redact(message, credentials).slice(0, 300))
  return new UnavailableError('mail_unavailable', MAIL_RETRY_AFTER, { cause })
}

/** `work`, or a rejection with `onTimeout()` once `ms` have passed; the timer never outlives it. */
export async function within<T>(work: Promise<T>, ms: Millis, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms)
  })
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
  }
}

/** Credentials that never print: `JSON.stringify` and Node's `inspect` show `[redacted]`. */
export function hiddenCredentials(user: string, pass: string): SmtpCredentials {
  const hidden = () => '[redacted]'
  return Object.freeze({ user, pass, toJSON: hidden, [Symbol.for('nodejs.util.inspect.custom')]: hidden })
}

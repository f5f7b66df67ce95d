import { TOKEN_LIFETIME, type TokenPurpose } from '../domain/account-token.js'
import type { Email } from '../domain/email.js'
import { isUnavailable, MAIL_RETRY_AFTER, UnavailableError } from '../domain/errors.js'
import { after, type Instant } from '../domain/units.js'
import type { UserId } from '../domain/user.js'
import type { Deps } from './deps.js'
import type { MailMessage } from './mail.js'

/** What the messages that carry a token need besides it: who gets it and why. */
type TokenMail = (token: string) => MailMessage

/** The mailer, or an outage when mail is off (the routes that send are 404 then, so this is a guard). */
const mailerOf = (deps: Pick<Deps, 'mailer'>) => {
  if (!deps.mailer) throw new UnavailableError('mail_unavailable', MAIL_RETRY_AFTER)
  return deps.mailer
}

/**
 * Sends one mail and reports failure as `mail_unavailable`, after logging it as a security event
 * (`mail_failed`, with the purpose and the user, never the address or the token).
 */
export async function sendMail(
  deps: Pick<Deps, 'mailer' | 'log'>,
  message: MailMessage,
  userId: UserId | null,
): Promise<void> {
  try {
    await mailerOf(deps).send(message)
    deps.log.event('mail_sent', { purpose: message.purpose, userId })
  } catch (err) {
    deps.log.event('mail_failed', { purpose: message.purpose, userId })
    throw isUnavailable(err) ? err : new UnavailableError('mail_unavailable', MAIL_RETRY_AFTER, { cause: err })
  }
}

/**
 * Makes a token of `purpose` for the user (replacing any older one), and the send that mails it.
 * The token is stored before the mail leaves, so a link never arrives before its token exists; a
 * send that fails voids the token it carried (nothing half-sent stays usable) and throws
 * `mail_unavailable`. The caller either awaits the send or hands it to the background.
 */
export async function prepareTokenMail(
  deps: Pick<Deps, 'tokens' | 'tokenMint' | 'mailer' | 'log'>,
  input: { readonly userId: UserId; readonly purpose: TokenPurpose; readonly email: Email; readonly now: Instant },
  message: TokenMail,
): Promise<() => Promise<void>> {
  const { userId, purpose, email, now } = input
  const { token, digest } = await deps.tokenMint.mint(userId)
  await deps.tokens.issue({
    userId,
    purpose,
    digest,
    email,
    createdAt: now,
    expiresAt: after(now, TOKEN_LIFETIME[purpose]),
  })
  return async () => {
    try {
      await sendMail(deps, message(token), userId)
    } catch (err) {
      // Only this token: a newer one of the purpose has another digest and stays.
      await deps.tokens.consume(userId, digest, [purpose], now).catch(() => null)
      throw err
    }
  }
}

import { TOKEN_LIFETIME } from '../domain/account-token.js'
import { fail, ok, type Result } from '../domain/errors.js'
import { type PublicUser, toPublicUser, type UserRecord } from '../domain/user.js'
import { prepareTokenMail } from './account-mail.js'
import type { Deps, Identity } from './deps.js'
import { isSessionLive } from './live-session.js'
import { throttleIp, throttleIpMail, throttleMail } from './throttle.js'

type MailDeps = Pick<Deps, 'tokens' | 'tokenMint' | 'mailer' | 'log' | 'limiter' | 'policy' | 'clock'>

/** The "confirm your address" mail for the account's current address, ready to send. */
const verificationMail = (deps: MailDeps, user: UserRecord) =>
  prepareTokenMail(
    deps,
    { userId: user.id, purpose: 'verify_email', email: user.email, now: deps.clock.now() },
    (token) => ({
      purpose: 'verify_email',
      to: user.email,
      token,
      validFor: TOKEN_LIFETIME.verify_email,
    }),
  )

/**
 * After a registration: the verification mail, unless `EMAIL_VERIFICATION=off`. It goes in the
 * background: the account exists whatever becomes of the mail, a failure is logged (and its token
 * voided), and the user can ask again once signed in. It counts toward the address's mail limit.
 */
export async function sendVerificationAfterRegister(
  deps: MailDeps & Pick<Deps, 'background'>,
  user: UserRecord,
): Promise<void> {
  if (deps.policy.emailVerification === 'off' || !deps.mailer) return
  if (await throttleMail(deps, 'account', user.email, deps.clock.now())) return
  // A failed send is logged by `sendMail` and voids its token; no caller waits for it.
  deps.background.run(await verificationMail(deps, user))
}

/**
 * `POST /email/verify/request`: mails the caller a new verification link (which supersedes any
 * older one), or nothing when the address is verified already. The caller is signed in, so a mail
 * that cannot be sent is a 503 `mail_unavailable`.
 */
export async function requestVerification(
  deps: MailDeps & Pick<Deps, 'users' | 'sessions'>,
  input: { readonly identity: Identity; readonly ip: string },
): Promise<Result<Record<string, never>, 'unauthorized' | 'rate_limited'>> {
  const now = deps.clock.now()
  const limited = await throttleIp(deps, 'verify-request', input.ip, now)
  if (limited) return limited
  if (!(await isSessionLive(deps, input.identity))) return fail('unauthorized')
  const user = await deps.users.findById(input.identity.userId)
  if (!user) return fail('unauthorized')
  if (user.emailVerified) return ok({})
  const overMail = (await throttleMail(deps, 'account', user.email, now)) ?? (await throttleIpMail(deps, input.ip, now))
  if (overMail) return overMail
  const send = await verificationMail(deps, user)
  await send()
  return ok({})
}

/**
 * `POST /email/verify`: spends a `verify_email` token (the account's address is proven) or a
 * `change_email` token (the account moves to the new address, claimed atomically now). Any token
 * that is unknown, used, expired, superseded, of another purpose, for a deleted account, or for an
 * address the account no longer has is the same `invalid_token`.
 */
export async function verifyEmail(
  deps: Pick<Deps, 'users' | 'tokens' | 'tokenMint' | 'limiter' | 'policy' | 'clock' | 'log'>,
  input: { readonly token: string; readonly ip: string },
): Promise<Result<PublicUser, 'invalid_token' | 'email_taken' | 'rate_limited'>> {
  const now = deps.clock.now()
  const limited = await throttleIp(deps, 'verify', input.ip, now)
  if (limited) return limited
  const opened = await deps.tokenMint.open(input.token)
  if (!opened) return fail('invalid_token')
  const spent = await deps.tokens.consume(opened.userId, opened.digest, ['verify_email', 'change_email'], now)
  if (!spent) return fail('invalid_token')
  const user = await deps.users.findById(spent.userId)
  // A disabled account's links are void, even one mailed while the disable ran.
  if (!user || user.disabled) return fail('invalid_token')

  if (spent.purpose === 'verify_email') {
    if (user.email !== spent.email) return fail('invalid_token')
    const verified = await deps.users.update(user.id, { emailVerified: true })
    if (!verified) return fail('invalid_token')
    deps.log.event('email_verified', { userId: user.id, ip: input.ip })
    return ok(toPublicUser(verified))
  }
  const changed = await deps.users.changeEmail(user.id, spent.email)
  if (changed === null) return fail('invalid_token')
  if (changed === 'email_taken') return fail('email_taken')
  // Links mailed to the old address (a reset, a verification) die with it.
  await deps.tokens.revokeForUser(user.id, ['reset_password', 'verify_email'])
  deps.log.event('email_changed', { userId: user.id, ip: input.ip })
  return ok(toPublicUser(changed))
}

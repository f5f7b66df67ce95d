import { type AccountToken, TOKEN_LIFETIME, type TokenPurpose } from '../domain/account-token.js'
import { type Email, parseEmail } from '../domain/email.js'
import { fail, ok, type Result } from '../domain/errors.js'
import type { Session } from '../domain/session.js'
import type { Instant } from '../domain/units.js'
import { type PublicUser, toPublicUser } from '../domain/user.js'
import { prepareTokenMail, sendMail } from './account-mail.js'
import { checkPassword } from './credentials.js'
import type { Deps, Identity } from './deps.js'
import { signedInUser } from './passwords.js'
import { loginFailureKey, throttleIp, throttleIpMail, throttleMail } from './throttle.js'

/**
 * `POST /email`: after the current password, mails a confirmation link to the new address (a
 * `change_email` token; the address changes only when it is spent, claimed atomically then) and a
 * notice to the old one, the notice first. Both are awaited: the notice is what tells the owner of a stolen
 * session, so when either cannot be sent the link is voided and the answer is 503.
 */
export async function requestEmailChange(
  deps: Pick<
    Deps,
    'users' | 'sessions' | 'tokens' | 'tokenMint' | 'mailer' | 'hasher' | 'limiter' | 'policy' | 'clock' | 'log'
  >,
  input: { readonly identity: Identity; readonly password: string; readonly newEmail: string; readonly ip: string },
): Promise<
  Result<
    Record<string, never>,
    'unauthorized' | 'invalid_request' | 'invalid_credentials' | 'email_taken' | 'rate_limited'
  >
> {
  const now = deps.clock.now()
  const limited = await throttleIp(deps, 'email', input.ip, now)
  if (limited) return limited
  const newEmail = parseEmail(input.newEmail)
  if (!newEmail) return fail('invalid_request', { detail: 'newEmail is not a valid address' })
  const caller = await signedInUser(deps, input.identity)
  if (!caller) return fail('unauthorized')
  if (newEmail === caller.email) return fail('invalid_request', { detail: 'newEmail is the current address' })
  const checked = await checkPassword(deps, caller.email, input.password, input.ip, now)
  if (!checked.ok) return checked
  if (checked.value.id !== caller.id) return fail('invalid_credentials')
  if (await deps.users.findByEmail(newEmail)) return fail('email_taken')
  const overMail =
    (await throttleMail(deps, 'account', newEmail, now)) ??
    (await throttleMail(deps, 'account', caller.email, now)) ??
    (await throttleIpMail(deps, input.ip, now))
  if (overMail) return overMail

  // The notice first: a link to the new address is never out without the old address told. Any
  // older link goes before the notice does, so a failed notice leaves no link usable.
  await deps.tokens.revokeForUser(caller.id, ['change_email'])
  await sendMail(deps, { purpose: 'email_change_notice', to: caller.email, newEmail }, caller.id)
  const send = await prepareTokenMail(
    deps,
    { userId: caller.id, purpose: 'change_email', email: newEmail, now },
    (token) => ({ purpose: 'confirm_new_email', to: newEmail, token, validFor: TOKEN_LIFETIME.change_email }),
  )
  await send()
  return ok({})
}

/**
 * `DELETE /account`: after the current password, the account, every session and every pending
 * token go, and the address is free to register again. Sessions and tokens go first, so a failure
 * halfway leaves an account the user can delete again, never a deleted account with live sessions;
 * the sessions are revoked once more after the account is gone, for a login that was checking the
 * password meanwhile (login also looks again after creating its session).
 */
export async function deleteAccount(
  deps: Pick<Deps, 'users' | 'sessions' | 'tokens' | 'hasher' | 'limiter' | 'policy' | 'clock' | 'log'>,
  input: { readonly identity: Identity; readonly password: string; readonly ip: string },
): Promise<Result<null, 'unauthorized' | 'invalid_credentials' | 'rate_limited'>> {
  const now = deps.clock.now()
  const limited = await throttleIp(deps, 'account', input.ip, now)
  if (limited) return limited
  const caller = await signedInUser(deps, input.identity)
  if (!caller) return fail('unauthorized')
  const checked = await checkPassword(deps, caller.email, input.password, input.ip, now)
  if (!checked.ok) return checked
  if (checked.value.id !== caller.id) return fail('invalid_credentials')
  await deps.sessions.revokeAllForUser(caller.id, deps.clock.now())
  await deps.tokens.revokeForUser(caller.id)
  await deps.users.delete(caller.id)
  await deps.sessions.revokeAllForUser(caller.id, deps.clock.now())
  await deps.limiter.reset(loginFailureKey(caller.email))
  deps.log.event('account_deleted', { userId: caller.id, ip: input.ip })
  return ok(null)
}

/** A pending mail as the export shows it: why, to where and when; never the token or its digest. */
export interface PendingMailView {
  readonly purpose: TokenPurpose
  readonly sentTo: Email
  readonly createdAt: Instant
  readonly expiresAt: Instant
}

export interface AccountExport {
  readonly user: PublicUser
  readonly sessions: readonly Session[]
  readonly pendingMails: readonly PendingMailView[]
}

const pendingView = (t: AccountToken): PendingMailView => ({
  purpose: t.purpose,
  sentTo: t.email,
  createdAt: t.createdAt,
  expiresAt: t.expiresAt,
})

/** `GET /account/export`: everything stored about the caller, without a hash, a token or a digest. */
export async function exportAccount(
  deps: Pick<Deps, 'users' | 'sessions' | 'tokens' | 'clock' | 'log'>,
  input: { readonly identity: Identity; readonly ip: string },
): Promise<Result<AccountExport, 'unauthorized'>> {
  const caller = await signedInUser(deps, input.identity)
  if (!caller) return fail('unauthorized')
  const now = deps.clock.now()
  const [sessions, tokens] = await Promise.all([
    deps.sessions.listForUser(caller.id, now),
    deps.tokens.listForUser(caller.id, now),
  ])
  deps.log.event('account_exported', { userId: caller.id, ip: input.ip })
  return ok({ user: toPublicUser(caller), sessions, pendingMails: tokens.map(pendingView) })
}

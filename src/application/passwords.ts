import { TOKEN_LIFETIME } from '../domain/account-token.js'
import { parseEmail } from '../domain/email.js'
import { fail, ok, type Result } from '../domain/errors.js'
import { checkNewPassword, normalisePassword, PASSWORD_PROBLEM_DETAIL } from '../domain/password-policy.js'
import type { UserId, UserRecord } from '../domain/user.js'
import { prepareTokenMail, sendInBackground, sendMail } from './account-mail.js'
import { checkPassword } from './credentials.js'
import type { Deps, Identity } from './deps.js'
import { isSessionLive } from './live-session.js'
import { loginFailureKey, throttleIp, throttleMail } from './throttle.js'

/** Stands in for the user of an unknown address, so `/password/forgot` does the same store work. */
const NO_ONE = '!unknown' as UserId

/**
 * `POST /password/forgot`: the same `202` for every well-formed address, known or not, and the
 * same work up to the mail: the per-address count, the lookup, a token made and a write to the
 * token store (for an unknown address, a revocation that finds nothing). The mail itself goes in
 * the background for both, so its time never shows; a send that fails is a `mail_failed` security
 * event and voids its token, and is never reported to the caller.
 */
export async function forgotPassword(
  deps: Pick<Deps, 'users' | 'tokens' | 'tokenMint' | 'mailer' | 'limiter' | 'policy' | 'clock' | 'log' | 'background'>,
  input: { readonly email: string; readonly ip: string },
): Promise<Result<Record<string, never>, 'invalid_request' | 'rate_limited'>> {
  const now = deps.clock.now()
  const limited = await throttleIp(deps, 'forgot', input.ip, now)
  if (limited) return limited
  const email = parseEmail(input.email)
  if (!email) return fail('invalid_request', { detail: 'email is not a valid address' })
  const overMail = await throttleMail(deps, 'forgot', email, now)
  if (overMail) return overMail
  const user = await deps.users.findByEmail(email)
  if (!user) {
    await deps.tokenMint.mint(NO_ONE)
    await deps.tokens.revokeForUser(NO_ONE, ['reset_password'])
    return ok({})
  }
  const send = await prepareTokenMail(deps, { userId: user.id, purpose: 'reset_password', email, now }, (token) => ({
    purpose: 'reset_password',
    to: email,
    token,
    validFor: TOKEN_LIFETIME.reset_password,
  }))
  deps.log.event('password_reset_requested', { userId: user.id, ip: input.ip })
  sendInBackground(deps, send)
  return ok({})
}

type ReplaceDeps = Pick<Deps, 'users' | 'sessions' | 'tokens' | 'limiter' | 'mailer' | 'log' | 'clock' | 'background'>

/**
 * What every password change does once the new hash is stored: revoke the sessions the contract
 * names (all, or all but the caller's), kill pending reset links, clear the login lockout, and
 * tell the address (in the background: the change is done whatever becomes of the notice).
 */
async function afterPasswordReplaced(deps: ReplaceDeps, user: UserRecord, keep?: Identity): Promise<void> {
  const now = deps.clock.now()
  await deps.sessions.revokeAllForUser(user.id, now, keep?.sessionId)
  await deps.tokens.revokeForUser(user.id, ['reset_password'])
  await deps.limiter.reset(loginFailureKey(user.email))
  if (deps.mailer)
    sendInBackground(deps, () => sendMail(deps, { purpose: 'password_changed', to: user.email }, user.id))
}

/**
 * `POST /password/reset`: a new password for the holder of a live reset link. The password is
 * checked before the token is touched (a bad one spends nothing), and a KDF slot is held before
 * the token is spent (an overload spends nothing either). Every session of the user is revoked;
 * no cookie is set. The link proves the address, so the account counts as verified.
 */
export async function resetPassword(
  deps: ReplaceDeps & Pick<Deps, 'tokenMint' | 'hasher' | 'policy'>,
  input: { readonly token: string; readonly password: string; readonly ip: string },
): Promise<Result<null, 'invalid_token' | 'invalid_request' | 'rate_limited'>> {
  const now = deps.clock.now()
  const limited = await throttleIp(deps, 'reset', input.ip, now)
  if (limited) return limited
  const problem = checkNewPassword(input.password)
  if (problem) return fail('invalid_request', { detail: PASSWORD_PROBLEM_DETAIL[problem] })
  const opened = await deps.tokenMint.open(input.token)
  if (!opened) return fail('invalid_token')

  const lease = await deps.hasher.reserve()
  let user: UserRecord | null
  try {
    const spent = await deps.tokens.consume(opened.userId, opened.digest, ['reset_password'], now)
    if (!spent) return fail('invalid_token')
    const owner = await deps.users.findById(spent.userId)
    if (!owner || owner.email !== spent.email) return fail('invalid_token')
    const passwordHash = await lease.hash(normalisePassword(input.password))
    user = await deps.users.update(owner.id, { passwordHash, emailVerified: true })
  } finally {
    lease.release()
  }
  if (!user) return fail('invalid_token')
  await afterPasswordReplaced(deps, user)
  deps.log.event('password_reset', { userId: user.id, ip: input.ip })
  return ok(null)
}

/**
 * `POST /password`: the caller proves the current password (a wrong one counts toward the login
 * lockout) and sets a new one. Every other session is revoked; the caller's keeps working.
 */
export async function changePassword(
  deps: ReplaceDeps & Pick<Deps, 'hasher' | 'policy'>,
  input: {
    readonly identity: Identity
    readonly currentPassword: string
    readonly newPassword: string
    readonly ip: string
  },
): Promise<Result<null, 'unauthorized' | 'invalid_credentials' | 'invalid_request' | 'rate_limited'>> {
  const now = deps.clock.now()
  const limited = await throttleIp(deps, 'password', input.ip, now)
  if (limited) return limited
  const problem = checkNewPassword(input.newPassword)
  if (problem) return fail('invalid_request', { detail: `newPassword: ${PASSWORD_PROBLEM_DETAIL[problem]}` })
  const caller = await signedInUser(deps, input.identity)
  if (!caller) return fail('unauthorized')
  const checked = await checkPassword(deps, caller.email, input.currentPassword, input.ip, now)
  if (!checked.ok) return checked
  if (checked.value.id !== caller.id) return fail('invalid_credentials')

  const passwordHash = await deps.hasher.hash(normalisePassword(input.newPassword))
  const user = await deps.users.update(caller.id, { passwordHash })
  if (!user) return fail('unauthorized')
  await afterPasswordReplaced(deps, user, input.identity)
  deps.log.event('password_changed', { userId: user.id, sessionId: input.identity.sessionId, ip: input.ip })
  return ok(null)
}

/** The caller's account, when the caller's session is still live (access tokens are stateless). */
export async function signedInUser(
  deps: Pick<Deps, 'users' | 'sessions' | 'clock'>,
  identity: Identity,
): Promise<UserRecord | null> {
  if (!(await isSessionLive(deps, identity))) return null
  return deps.users.findById(identity.userId)
}

import { TOKEN_LIFETIME } from '../domain/account-token.js'
import { type Email, parseEmail } from '../domain/email.js'
import { fail, ok, type Result } from '../domain/errors.js'
import { checkNewPassword, normalisePassword, PASSWORD_PROBLEM_DETAIL } from '../domain/password-policy.js'
import { ADMIN_ROLE, MAX_ROLES } from '../domain/roles.js'
import type { Instant } from '../domain/units.js'
import type { UserRecord } from '../domain/user.js'
import { prepareTokenMail, sendMail } from './account-mail.js'
import { checkPassword } from './credentials.js'
import type { Deps, Identity } from './deps.js'
import { isSessionLive } from './live-session.js'
import { loginFailureKey, throttleIp, throttleIpMail, throttleMail } from './throttle.js'

/**
 * `POST /password/forgot`: the same `202` for every well-formed address, known or not. Only what
 * does not depend on the address's account happens before the answer (the per-IP and per-address
 * counts); the lookup, the token and the mail go after it, in the background, so neither the
 * answer's time nor its availability (a cold or busy store object for one account) can tell
 * whether the address has an account. Whatever fails there is a security event, never an answer.
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
  const overMail = (await throttleMail(deps, 'forgot', email, now)) ?? (await throttleIpMail(deps, input.ip, now))
  if (overMail) return overMail
  deps.background.run(() => mailResetLink(deps, email, input.ip, now))
  return ok({})
}

/** The part of `/password/forgot` that runs after the answer: find the account, make and mail a link. */
async function mailResetLink(
  deps: Pick<Deps, 'users' | 'tokens' | 'tokenMint' | 'mailer' | 'log'>,
  email: Email,
  ip: string,
  now: Instant,
): Promise<void> {
  let send: () => Promise<void>
  try {
    const user = await deps.users.findByEmail(email)
    // A disabled account gets no link: a reset could not sign it in, and the disable voided its links.
    if (!user || user.disabled) return
    send = await prepareTokenMail(deps, { userId: user.id, purpose: 'reset_password', email, now }, (token) => ({
      purpose: 'reset_password',
      to: email,
      token,
      validFor: TOKEN_LIFETIME.reset_password,
    }))
    deps.log.event('password_reset_requested', { userId: user.id, ip })
  } catch {
    // A store outage before anything was sent: no mail, no token. The caller had its 202 already.
    deps.log.event('mail_failed', { purpose: 'reset_password', userId: null })
    return
  }
  // A failed send is logged by `sendMail`, and voids its token.
  await send().catch(() => undefined)
}

type ReplaceDeps = Pick<Deps, 'users' | 'sessions' | 'tokens' | 'limiter' | 'mailer' | 'log' | 'clock' | 'background'>

/**
 * Replaces the password hash so that no session it should end survives a failure halfway: the
 * sessions the contract names (all, or all but the caller's) and every pending link go first, then
 * the hash is written, then the sessions are revoked once more, for a login that was checking the
 * old password meanwhile (login also looks again after creating its session). Every pending link
 * goes, not only reset links: an address-change link made with a stolen session must not outlive
 * the password that the owner changed to lock the thief out. Store failures leave the user signed
 * out with the old password, never a thief signed in with the new one.
 */
async function replacePassword(
  deps: ReplaceDeps,
  user: UserRecord,
  patch: { readonly passwordHash: string; readonly emailVerified?: boolean },
  keep?: Identity,
): Promise<UserRecord | null> {
  const kept = keep?.sessionId
  await deps.sessions.revokeAllForUser(user.id, deps.clock.now(), kept)
  await deps.tokens.revokeForUser(user.id)
  const updated = await deps.users.update(user.id, patch)
  if (!updated) return null
  await deps.sessions.revokeAllForUser(user.id, deps.clock.now(), kept)
  await afterPasswordReplaced(deps, updated)
  return updated
}

/** After a new password is in: clear the login lockout and tell the address (in the background). */
async function afterPasswordReplaced(deps: ReplaceDeps, user: UserRecord): Promise<void> {
  await deps.limiter.reset(loginFailureKey(user.email))
  if (deps.mailer) deps.background.run(() => sendMail(deps, { purpose: 'password_changed', to: user.email }, user.id))
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
  let owner: UserRecord | null
  let passwordHash: string
  try {
    const spent = await deps.tokens.consume(opened.userId, opened.digest, ['reset_password'], now)
    if (!spent) return fail('invalid_token')
    owner = await deps.users.findById(spent.userId)
    // A disabled account's links are void, even one mailed while the disable ran.
    if (!owner || owner.email !== spent.email || owner.disabled) return fail('invalid_token')
    passwordHash = await lease.hash(normalisePassword(input.password))
  } finally {
    lease.release()
  }
  const user = await replacePassword(deps, owner, { passwordHash, emailVerified: true })
  if (!user) return fail('invalid_token')
  deps.log.event('password_reset', { userId: user.id, ip: input.ip })
  await grantListedAdmin(deps, user, input.ip)
  return ok(null)
}

/**
 * `ADMIN_EMAILS`: an account whose address is listed gets `admin` when its password is set
 * through a reset link mailed to that address, which proves the mailbox and sets the password in
 * one step; its next login carries the role. Not at a login after a mere verification: whoever
 * registered a listed address first chose that account's password, and the owner clicking the
 * verification link proves the mailbox, not who holds the password.
 */
async function grantListedAdmin(deps: Pick<Deps, 'users' | 'log' | 'policy'>, user: UserRecord, ip: string) {
  const listed = deps.policy.adminEmails?.includes(user.email) === true
  // A full list would make a token the verifier refuses (MAX_ROLES): the grant waits for room.
  if (!listed || user.roles.includes(ADMIN_ROLE) || user.roles.length >= MAX_ROLES) return
  if (await deps.users.update(user.id, { roles: [...user.roles, ADMIN_ROLE] })) {
    deps.log.event('admin_granted', { userId: user.id, ip, source: 'ADMIN_EMAILS' })
  }
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
  const user = await replacePassword(deps, caller, { passwordHash }, input.identity)
  if (!user) return fail('unauthorized')
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

import { parseEmail } from '../domain/email.js'
import { fail, ok, type Result } from '../domain/errors.js'
import { PASSWORD_PROBLEM_DETAIL, passwordInputProblem } from '../domain/password-policy.js'
import type { Session, SessionId } from '../domain/session.js'
import { after, generation, shortest } from '../domain/units.js'
import { type PublicUser, toPublicUser } from '../domain/user.js'
import { checkPassword } from './credentials.js'
import type { Deps, IssuedTokens } from './deps.js'
import { issueTokens } from './issue-tokens.js'
import { throttleIp } from './throttle.js'

export interface LoginInput {
  readonly email: string
  readonly password: string
  readonly ip: string
  readonly userAgent: string | null
}

export interface LoggedIn extends IssuedTokens {
  readonly user: PublicUser
  readonly session: Session
}

/**
 * Checks a password and starts a new session (always new: a refresh cookie the client still holds
 * is never adopted, so no session fixation). Unknown email and wrong password are the same answer,
 * and the KDF runs for both. With `EMAIL_VERIFICATION=required`, an unverified account is refused
 * only after the right password, so the refusal reveals nothing to someone without it; so is a
 * disabled account (403 `account_disabled`).
 */
export async function login(
  deps: Pick<
    Deps,
    | 'users'
    | 'sessions'
    | 'hasher'
    | 'limiter'
    | 'accessTokens'
    | 'refreshTokens'
    | 'clock'
    | 'random'
    | 'log'
    | 'policy'
  >,
  input: LoginInput,
): Promise<
  Result<LoggedIn, 'invalid_request' | 'invalid_credentials' | 'email_unverified' | 'account_disabled' | 'rate_limited'>
> {
  const now = deps.clock.now()
  const limited = await throttleIp(deps, 'login', input.ip, now)
  if (limited) return limited
  const unusable = passwordInputProblem(input.password)
  if (unusable) return fail('invalid_request', { detail: PASSWORD_PROBLEM_DETAIL[unusable] })

  const checked = await checkPassword(deps, parseEmail(input.email), input.password, input.ip, now)
  if (!checked.ok) return checked
  const user = checked.value
  if (user.disabled) {
    deps.log.event('login_failure', { userId: user.id, ip: input.ip, reason: 'account_disabled' })
    return fail('account_disabled')
  }
  if (deps.policy.emailVerification === 'required' && !user.emailVerified) {
    deps.log.event('login_failure', { userId: user.id, ip: input.ip, reason: 'email_unverified' })
    return fail('email_unverified')
  }
  const session: Session = {
    id: deps.random.id() as SessionId,
    userId: user.id,
    generation: generation(0),
    createdAt: now,
    rotatedAt: now,
    lastUsedAt: now,
    expiresAt: after(now, shortest(deps.policy.refreshTokenTtl, deps.policy.sessionMaxLifetime)),
    absoluteExpiresAt: after(now, deps.policy.sessionMaxLifetime),
    userAgent: input.userAgent ? input.userAgent.slice(0, 256) : null,
  }
  await deps.sessions.create(session, { maxPerUser: deps.policy.maxSessionsPerUser })
  // A reset, a password change or a deletion may have run while the KDF did: it revoked the
  // sessions it saw, and this one did not exist yet. Looking again after creating it closes that
  // gap: a change that comes later revokes this session; one that came earlier shows here.
  // A disable works the same way: it sets the flag, then revokes every session it sees.
  const still = await deps.users.findById(user.id)
  if (!still || still.passwordHash !== user.passwordHash || still.disabled) {
    await deps.sessions.revoke(session.id)
    const reason = still?.disabled ? 'account_disabled' : 'credentials_changed'
    deps.log.event('login_failure', { userId: user.id, ip: input.ip, reason })
    return fail(still?.disabled ? 'account_disabled' : 'invalid_credentials')
  }
  deps.log.event('login_success', { userId: user.id, sessionId: session.id, ip: input.ip })
  return ok({ user: toPublicUser(still), session, ...(await issueTokens(deps, session, still.roles, now)) })
}

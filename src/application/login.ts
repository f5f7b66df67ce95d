import { type Email, parseEmail } from '../domain/email.js'
import { fail, ok, type Result } from '../domain/errors.js'
import { normalisePassword, PASSWORD_PROBLEM_DETAIL, passwordInputProblem } from '../domain/password-policy.js'
import type { Session, SessionId } from '../domain/session.js'
import { after, generation, type Instant, shortest } from '../domain/units.js'
import { type PublicUser, toPublicUser, type UserRecord } from '../domain/user.js'
import type { Deps, IssuedTokens } from './deps.js'
import { issueTokens } from './issue-tokens.js'
import { loginFailureKey, loginFailureRule, throttleIp } from './throttle.js'

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
 * and the KDF runs for both.
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
): Promise<Result<LoggedIn, 'invalid_request' | 'invalid_credentials' | 'rate_limited'>> {
  const now = deps.clock.now()
  const limited = await throttleIp(deps, 'login', input.ip, now)
  if (limited) return limited
  const unusable = passwordInputProblem(input.password)
  if (unusable) return fail('invalid_request', { detail: PASSWORD_PROBLEM_DETAIL[unusable] })

  const checked = await checkInSlot(deps, parseEmail(input.email), input.password, input.ip, now)
  if (!checked.ok) return checked
  const user = checked.value
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
  deps.log.event('login_success', { userId: user.id, sessionId: session.id, ip: input.ip })
  return ok({ user: toPublicUser(user), session, ...(await issueTokens(deps, session, now)) })
}

/**
 * Counts the attempt, finds the account and checks the password, inside one KDF slot taken first:
 * an attempt refused for want of a slot (503 `overloaded`) has counted nothing, so refused guesses
 * neither run up a lockout nor fill the counters. Counted per normalised email whether or not the
 * account exists, and before the KDF runs, so logins racing in parallel cannot each pass a check
 * made before any of them failed; a success resets the count. Malformed emails, which match no
 * account, share one key: attacker-sized input never becomes a stored key.
 */
async function checkInSlot(
  deps: Pick<Deps, 'users' | 'hasher' | 'limiter' | 'log' | 'policy'>,
  email: Email | null,
  rawPassword: string,
  ip: string,
  now: Instant,
): Promise<Result<UserRecord, 'invalid_credentials' | 'rate_limited'>> {
  const failureKey = loginFailureKey(email ?? '!malformed')
  const lease = await deps.hasher.reserve()
  try {
    const lock = await deps.limiter.hit(failureKey, loginFailureRule(deps.policy), now)
    if (!lock.allowed) {
      deps.log.event('login_locked', { ip })
      return fail('rate_limited', { retryAfter: lock.retryAfter })
    }
    const password = normalisePassword(rawPassword)
    const user = email ? await deps.users.findByEmail(email) : null
    const good = user ? await lease.verify(user.passwordHash, password) : await lease.verifyDummy(password)
    if (!user || good !== true) {
      deps.log.event('login_failure', { userId: user?.id ?? null, ip })
      return fail('invalid_credentials')
    }
    await deps.limiter.reset(failureKey)
    // Through the lease: a second gated call while this slot is held could wait for itself.
    if (deps.hasher.needsRehash(user.passwordHash)) {
      await deps.users.update(user.id, { passwordHash: await lease.hash(password) })
    }
    return ok(user)
  } finally {
    lease.release()
  }
}

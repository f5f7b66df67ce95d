import { parseEmail } from '../domain/email.js'
import { fail, ok, type Result } from '../domain/errors.js'
import { isOverLong, normalisePassword } from '../domain/password-policy.js'
import type { Session, SessionId } from '../domain/session.js'
import { type PublicUser, toPublicUser } from '../domain/user.js'
import type { Deps, IssuedTokens } from './deps.js'
import { issueTokens } from './issue-tokens.js'
import { loginFailureKey, loginFailureRule, perIpRule } from './throttle.js'

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
  const gate = await deps.limiter.hit(`ip:login:${input.ip}`, perIpRule(deps.policy), now)
  if (!gate.allowed) return fail('rate_limited', { retryAfter: gate.retryAfter })
  if (isOverLong(input.password)) return fail('invalid_request', { detail: 'password is longer than 1024 characters' })

  const email = parseEmail(input.email)
  // Counted per normalised email whether or not the account exists. The attempt is counted before
  // the KDF runs, so logins racing in parallel cannot each pass a check made before any of them
  // failed; a success resets the count. Malformed emails, which match no account, share one key:
  // attacker-sized input never becomes a stored key.
  const failureKey = loginFailureKey(email ?? '!malformed')
  const lock = await deps.limiter.hit(failureKey, loginFailureRule(deps.policy), now)
  if (!lock.allowed) {
    deps.log.event('login_locked', { ip: input.ip })
    return fail('rate_limited', { retryAfter: lock.retryAfter })
  }

  const password = normalisePassword(input.password)
  const user = email ? await deps.users.findByEmail(email) : null
  const good = user ? await deps.hasher.verify(user.passwordHash, password) : await deps.hasher.verifyDummy(password)
  if (!user || good !== true) {
    deps.log.event('login_failure', { userId: user?.id ?? null, ip: input.ip })
    return fail('invalid_credentials')
  }

  await deps.limiter.reset(failureKey)
  if (deps.hasher.needsRehash(user.passwordHash)) {
    await deps.users.update(user.id, { passwordHash: await deps.hasher.hash(password) })
  }
  const session: Session = {
    id: deps.random.id() as SessionId,
    userId: user.id,
    generation: 0,
    createdAt: now,
    rotatedAt: now,
    lastUsedAt: now,
    expiresAt: now + Math.min(deps.policy.refreshTokenTtl, deps.policy.sessionMaxLifetime) * 1000,
    absoluteExpiresAt: now + deps.policy.sessionMaxLifetime * 1000,
    userAgent: input.userAgent ? input.userAgent.slice(0, 256) : null,
  }
  await deps.sessions.create(session)
  deps.log.event('login_success', { userId: user.id, sessionId: session.id, ip: input.ip })
  return ok({ user: toPublicUser(user), session, ...(await issueTokens(deps, session, now)) })
}

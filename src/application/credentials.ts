import type { Email } from '../domain/email.js'
import { fail, ok, type Result } from '../domain/errors.js'
import { normalisePassword } from '../domain/password-policy.js'
import type { Instant } from '../domain/units.js'
import type { UserRecord } from '../domain/user.js'
import type { Deps } from './deps.js'
import { loginFailureKey, loginFailureRule } from './throttle.js'

/**
 * Counts the attempt, finds the account and checks the password, inside one KDF slot taken first:
 * an attempt refused for want of a slot (503 `overloaded`) has counted nothing, so refused guesses
 * neither run up a lockout nor fill the counters. Counted per normalised email whether or not the
 * account exists, and before the KDF runs, so attempts racing in parallel cannot each pass a check
 * made before any of them failed; a success resets the count. Malformed emails, which match no
 * account, share one key: attacker-sized input never becomes a stored key. Login and every
 * signed-in step that asks for the current password (change password, change address, delete)
 * come here, so a wrong current password counts toward the same lockout as a wrong login.
 */
export async function checkPassword(
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
    // The password as typed goes along for an imported hash made before this service's NFKC.
    const good = user ? await lease.verify(user.passwordHash, password, rawPassword) : await lease.verifyDummy(password)
    if (!user || good !== true) {
      deps.log.event('login_failure', { userId: user?.id ?? null, ip })
      return fail('invalid_credentials')
    }
    // Through the lease: a second gated call while this slot is held could wait for itself. Only
    // over the hash just verified: a reset or change that landed while the KDF ran stands, and
    // the password it replaced is no longer the account's ('changed', or null once deleted).
    const current = deps.hasher.needsRehash(user.passwordHash)
      ? await deps.users.replacePasswordHash(user.id, user.passwordHash, await lease.hash(password))
      : user
    if (typeof current !== 'object' || !current) {
      deps.log.event('login_failure', { userId: user.id, ip, reason: 'credentials_changed' })
      return fail('invalid_credentials')
    }
    await deps.limiter.reset(failureKey)
    return ok(current)
  } finally {
    lease.release()
  }
}

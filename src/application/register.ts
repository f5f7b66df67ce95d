import { type Email, parseEmail } from '../domain/email.js'
import { fail, ok, type Result } from '../domain/errors.js'
import { checkNewPassword, normalisePassword, PASSWORD_PROBLEM_DETAIL } from '../domain/password-policy.js'
import { type PublicUser, parseName, toPublicUser, type UserId } from '../domain/user.js'
import type { Deps } from './deps.js'
import { sendVerificationAfterRegister } from './email-verification.js'
import { throttleIp } from './throttle.js'

export interface RegisterInput {
  readonly email: string
  readonly password: string
  readonly name?: string | undefined
  readonly ip: string
}

/**
 * Creates an account and, unless `EMAIL_VERIFICATION=off`, sends it a verification link (in the
 * background: see `sendVerificationAfterRegister`). Sets up no session: the client logs in next.
 */
export async function register(
  deps: Pick<
    Deps,
    | 'users'
    | 'hasher'
    | 'limiter'
    | 'clock'
    | 'random'
    | 'log'
    | 'policy'
    | 'tokens'
    | 'tokenMint'
    | 'mailer'
    | 'background'
  >,
  input: RegisterInput,
): Promise<Result<PublicUser, 'invalid_request' | 'email_taken' | 'rate_limited'>> {
  const now = deps.clock.now()
  const limited = await throttleIp(deps, 'register', input.ip, now)
  if (limited) return limited

  const email = parseEmail(input.email)
  if (!email) return fail('invalid_request', { detail: 'email is not a valid address' })
  const problem = checkNewPassword(input.password)
  if (problem) return fail('invalid_request', { detail: PASSWORD_PROBLEM_DETAIL[problem] })
  let name: string | null = null
  if (input.name !== undefined) {
    name = parseName(input.name)
    if (name === null) return fail('invalid_request', { detail: 'name must be 1 to 100 printable characters' })
  }
  // An early look saves a KDF run for the common case; `create` stays the atomic arbiter.
  if (await deps.users.findByEmail(email as Email)) return fail('email_taken')

  const user = {
    id: deps.random.id() as UserId,
    email,
    name,
    passwordHash: await deps.hasher.hash(normalisePassword(input.password)),
    createdAt: now,
    emailVerified: false,
    roles: [],
  }
  if ((await deps.users.create(user)) === 'email_taken') return fail('email_taken')
  deps.log.event('register', { userId: user.id, ip: input.ip })
  try {
    await sendVerificationAfterRegister(deps, user)
  } catch {
    // The account exists whatever becomes of its first mail (a store outage while making the
    // token): the user asks for another once signed in.
    deps.log.event('mail_failed', { purpose: 'verify_email', userId: user.id })
  }
  return ok(toPublicUser(user))
}

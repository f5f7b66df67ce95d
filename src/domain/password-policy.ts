import { COMMON_PASSWORDS } from './common-passwords.js'
import { isWellFormed } from './text.js'

export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 1024

export type PasswordProblem = 'too_short' | 'too_long' | 'too_common' | 'ill_formed'

/** Normalises a password the way it is hashed: NFKC, nothing trimmed or truncated. */
export const normalisePassword = (raw: string): string => raw.normalize('NFKC')

/** Length in code points, not UTF-16 units, as NIST and ASVS count it. */
export const codePointLength = (s: string): number => {
  let n = 0
  for (const _ of s) n++
  return n
}

/** Cheap check that needs no hashing: used before any KDF runs, on register and login alike. */
export function isOverLong(raw: string): boolean {
  // A UTF-16 string is at least as long in units as in code points: skip the count when it is short.
  return raw.length > PASSWORD_MAX && codePointLength(raw) > PASSWORD_MAX
}

/**
 * What makes a password unusable before any hashing, on register and login alike: over 1024 code
 * points, or ill-formed UTF-16 (a lone surrogate has no UTF-8 form: scrypt would hash every one
 * as U+FFFD, so different passwords would match).
 */
export function passwordInputProblem(raw: string): 'too_long' | 'ill_formed' | null {
  if (isOverLong(raw)) return 'too_long'
  return isWellFormed(raw) ? null : 'ill_formed'
}

/** The policy for a new password: well-formed, 8 to 1024 code points, not among the most common. */
export function checkNewPassword(raw: string): PasswordProblem | null {
  const input = passwordInputProblem(raw)
  if (input) return input
  const normalised = normalisePassword(raw)
  if (codePointLength(normalised) < PASSWORD_MIN) return 'too_short'
  if (COMMON_PASSWORDS.has(normalised.toLowerCase())) return 'too_common'
  return null
}

/** What a 400 says about each problem (never the password itself). */
export const PASSWORD_PROBLEM_DETAIL: Readonly<Record<PasswordProblem, string>> = {
  too_short: 'password is shorter than 8 characters',
  too_long: 'password is longer than 1024 characters',
  too_common: 'password is too common',
  ill_formed: 'password is not well-formed Unicode text',
}

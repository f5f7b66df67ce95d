import { COMMON_PASSWORDS } from './common-passwords.js'

export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 1024

export type PasswordProblem = 'too_short' | 'too_long' | 'too_common'

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

/** The policy for a new password: length 8 to 1024 code points, not among the most common. */
export function checkNewPassword(raw: string): PasswordProblem | null {
  if (isOverLong(raw)) return 'too_long'
  const normalised = normalisePassword(raw)
  if (codePointLength(normalised) < PASSWORD_MIN) return 'too_short'
  if (COMMON_PASSWORDS.has(normalised.toLowerCase())) return 'too_common'
  return null
}

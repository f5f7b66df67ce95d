import type { Email } from './email.js'
import { isWellFormed } from './text.js'
import type { Instant } from './units.js'

export type UserId = string & { readonly __brand: 'UserId' }

/** An account as stored. `passwordHash` never leaves the application layer. */
export interface UserRecord {
  readonly id: UserId
  readonly email: Email
  readonly name: string | null
  readonly passwordHash: string
  readonly createdAt: Instant
  /** Whether the address has been proven by a link mailed to it. */
  readonly emailVerified: boolean
  /** Roles the account holds (`[]` unless granted). */
  readonly roles: readonly string[]
  /** Set by an admin: no login or refresh succeeds while it is true. Absent means enabled. */
  readonly disabled?: boolean
}

/** The public view of a user: what the contract calls `user` (the HTTP edge formats `createdAt`). */
export interface PublicUser {
  readonly id: UserId
  readonly email: Email
  readonly name: string | null
  readonly createdAt: Instant
  readonly emailVerified: boolean
  readonly roles: readonly string[]
}

/**
 * An account in its one canonical form: `disabled` present (and true) only on a disabled account.
 * Every store reads and writes through it, so a record from before the flag existed, one enabled
 * again and one never disabled all read back alike: enabled, with no flag.
 */
export function canonicalUser(u: UserRecord): UserRecord {
  const { disabled, ...rest } = u
  return disabled === true ? { ...rest, disabled: true } : rest
}

export const toPublicUser = (u: UserRecord): PublicUser => ({
  id: u.id,
  email: u.email,
  name: u.name,
  createdAt: u.createdAt,
  emailVerified: u.emailVerified,
  roles: [...u.roles],
})

export const NAME_MAX = 100
// Control characters, the Unicode line and paragraph separators, and bidi overrides and isolates
// (which can make a name display as something else). Zero-width joiners stay: scripts such as
// Persian need them.
const NAME_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

/** A display name: well-formed, NFKC, trimmed, 1 to 100 code points, no control characters. */
export function parseName(raw: string): string | null {
  if (!isWellFormed(raw)) return null
  const name = raw.normalize('NFKC').trim()
  if (name.length === 0 || NAME_FORBIDDEN.test(name) || [...name].length > NAME_MAX) return null
  return name
}

/** At most this many roles ride in a token, each 1 to 64 characters: the verifier refuses more. */
export const MAX_ROLES = 32
export const MAX_ROLE_LENGTH = 64

/** The role the `/admin` routes need, and the one `ADMIN_EMAILS` grants. */
export const ADMIN_ROLE = 'admin'

/**
 * What a role an admin sets may look like: lower-case letters, digits and `_.:-`, starting with a
 * letter or digit (`admin`, `billing:read`). Nothing that reads as two roles, or as markup, in a
 * log line or a token.
 */
export const ROLE_PATTERN = /^[a-z0-9][a-z0-9_.:-]*$/

/** Whether one role is acceptable: the pattern, and 1 to `MAX_ROLE_LENGTH` characters. */
export const isRole = (r: unknown): r is string =>
  typeof r === 'string' && r.length >= 1 && r.length <= MAX_ROLE_LENGTH && ROLE_PATTERN.test(r)

/** What is wrong with a role that `isRole` refuses, in words for a 400's detail. */
export const ROLE_PROBLEM = `must be 1 to ${MAX_ROLE_LENGTH} of a-z, 0-9, _ . : - (starting with a-z or 0-9)`
export const ROLES_PROBLEM = `must list at most ${MAX_ROLES} roles`

/**
 * A list of roles as an admin sets it: at most `MAX_ROLES` entries, every one a role; duplicates
 * are dropped (first place kept). What is wrong otherwise, naming the entry.
 */
export function parseRoles(raw: readonly unknown[]): string[] | { readonly problem: string } {
  if (raw.length > MAX_ROLES) return { problem: `roles ${ROLES_PROBLEM}` }
  const bad = raw.findIndex((r) => !isRole(r))
  if (bad >= 0) return { problem: `roles.${bad} ${ROLE_PROBLEM}` }
  return [...new Set(raw as string[])]
}

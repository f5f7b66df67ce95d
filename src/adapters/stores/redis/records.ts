import type { UserPatch } from '../../../application/ports.js'
import { type AccountToken, TOKEN_LIFETIME, type TokenPurpose } from '../../../domain/account-token.js'
import type { Email } from '../../../domain/email.js'
import type { Session, SessionId } from '../../../domain/session.js'
import { generation, instant } from '../../../domain/units.js'
import { canonicalUser, type UserId, type UserRecord } from '../../../domain/user.js'

/**
 * Sessions, accounts and tokens as Redis hashes: one field per property, numbers in decimal, a
 * null (userAgent, name) as an absent field, so every record round-trips field for field.
 * A session hash with `revokedAt` and no `userId` is a tombstone: gone for every reader.
 */

const SESSION_NUMBERS = [
  'generation',
  'createdAt',
  'rotatedAt',
  'lastUsedAt',
  'expiresAt',
  'absoluteExpiresAt',
] as const satisfies ReadonlyArray<keyof Session>

/** A stored number; anything else means the record was not written by this code: a bug, not an outage. */
function integer(fields: Record<string, string>, name: string, what: string): number {
  const raw = fields[name]
  const n = raw === undefined || !/^-?\d+$/.test(raw) ? Number.NaN : Number(raw)
  if (!Number.isSafeInteger(n)) throw new Error(`Corrupt ${what} record in Redis: field ${name}`)
  return n
}

/** `[field, value, ...]` for HSET. */
export function sessionFields(s: Session): string[] {
  const out = ['userId', s.userId]
  for (const name of SESSION_NUMBERS) out.push(name, String(s[name]))
  if (s.userAgent !== null) out.push('userAgent', s.userAgent)
  return out
}

/** The session in a hash, or null for an absent key or a tombstone. */
export function toSession(id: SessionId, fields: Record<string, string>): Session | null {
  const userId = fields.userId
  if (userId === undefined) return null
  const n = (name: (typeof SESSION_NUMBERS)[number]) => integer(fields, name, 'session')
  return {
    id,
    userId: userId as UserId,
    generation: generation(n('generation')),
    createdAt: instant(n('createdAt')),
    rotatedAt: instant(n('rotatedAt')),
    lastUsedAt: instant(n('lastUsedAt')),
    expiresAt: instant(n('expiresAt')),
    absoluteExpiresAt: instant(n('absoluteExpiresAt')),
    userAgent: fields.userAgent ?? null,
  }
}

/** `[field, value, ...]` for HSET: the flags as `1` or `0`, the roles as a JSON array. */
export function userFields(u: UserRecord): string[] {
  const out = ['id', u.id, 'email', u.email, 'passwordHash', u.passwordHash, 'createdAt', String(u.createdAt)]
  out.push('emailVerified', u.emailVerified ? '1' : '0', 'roles', JSON.stringify(u.roles))
  out.push('disabled', u.disabled === true ? '1' : '0')
  if (u.name !== null) out.push('name', u.name)
  return out
}

/** A patch as the fields it deletes (a null name) and the `[field, value, ...]` it sets. */
export function patchFields(p: UserPatch): { readonly clear: string[]; readonly set: string[] } {
  const set: string[] = []
  if (typeof p.name === 'string') set.push('name', p.name)
  if (p.passwordHash !== undefined) set.push('passwordHash', p.passwordHash)
  if (p.emailVerified !== undefined) set.push('emailVerified', p.emailVerified ? '1' : '0')
  if (p.roles !== undefined) set.push('roles', JSON.stringify(p.roles))
  if (p.disabled !== undefined) set.push('disabled', p.disabled ? '1' : '0')
  return { clear: p.name === null ? ['name'] : [], set }
}

// Accounts written before these fields existed have none: unverified, no roles, enabled.
function flag(raw: string | undefined, name: string): boolean {
  if (raw === undefined || raw === '0') return false
  if (raw === '1') return true
  throw new Error(`Corrupt user record in Redis: field ${name}`)
}

function roles(raw: string | undefined): string[] {
  if (raw === undefined) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    parsed = null
  }
  if (!Array.isArray(parsed) || !parsed.every((r) => typeof r === 'string')) {
    throw new Error('Corrupt user record in Redis: field roles')
  }
  return parsed
}

/** The account in a hash, or null for an absent key. Move marks (account-moves.ts) are not part of it. */
export function toUser(fields: Record<string, string>): UserRecord | null {
  const { id, email, passwordHash } = fields
  if (id === undefined) return null
  if (email === undefined || passwordHash === undefined) throw new Error('Corrupt user record in Redis')
  return canonicalUser({
    id: id as UserId,
    email: email as Email,
    name: fields.name ?? null,
    passwordHash,
    createdAt: instant(integer(fields, 'createdAt', 'user')),
    emailVerified: flag(fields.emailVerified, 'emailVerified'),
    roles: roles(fields.roles),
    disabled: flag(fields.disabled, 'disabled'),
  })
}

/**
 * A move of an account from one address to another, as its marks name it: the record at the old
 * address carries `movingTo` and `moveGen`, the one at the new address `movedFrom` and `moveGen`.
 * `gen` is the account's move count when the move began (`user:{id}:moves`).
 */
export interface Move {
  readonly id: UserId
  readonly from: string
  readonly to: string
  readonly gen: number
}

/** The move an account hash is marked with, or null when it is not marked. */
export function moveOf(fields: Record<string, string>): Move | null {
  const { id, email, movingTo, movedFrom, moveGen } = fields
  if (moveGen === undefined) return null
  const from = movingTo === undefined ? movedFrom : email
  const to = movingTo ?? email
  if (id === undefined || from === undefined || to === undefined) throw new Error('Corrupt user record in Redis')
  return { id: id as UserId, from, to, gen: integer(fields, 'moveGen', 'user') }
}

const TOKEN_PURPOSES = new Set<string>(Object.keys(TOKEN_LIFETIME))

/** `[field, value, ...]` for HSET. */
export function tokenFields(t: AccountToken): string[] {
  return [
    'userId',
    t.userId,
    'purpose',
    t.purpose,
    'digest',
    t.digest,
    'email',
    t.email,
    'createdAt',
    String(t.createdAt),
    'expiresAt',
    String(t.expiresAt),
  ]
}

/** The token in a hash, or null for an absent key. */
export function toToken(fields: Record<string, string>): AccountToken | null {
  const { userId, purpose, digest, email } = fields
  if (userId === undefined) return null
  if (purpose === undefined || !TOKEN_PURPOSES.has(purpose) || digest === undefined || email === undefined) {
    throw new Error('Corrupt token record in Redis')
  }
  return {
    userId: userId as UserId,
    purpose: purpose as TokenPurpose,
    digest,
    email: email as Email,
    createdAt: instant(integer(fields, 'createdAt', 'token')),
    expiresAt: instant(integer(fields, 'expiresAt', 'token')),
  }
}

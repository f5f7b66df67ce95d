import type { Email } from '../../../domain/email.js'
import type { Session, SessionId } from '../../../domain/session.js'
import { generation, instant } from '../../../domain/units.js'
import type { UserId, UserRecord } from '../../../domain/user.js'

/**
 * Sessions and accounts as Redis hashes: one field per property, numbers in decimal, a null
 * (userAgent, name) as an absent field, so every record round-trips field for field.
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

/** `[field, value, ...]` for HSET. */
export function userFields(u: UserRecord): string[] {
  const out = ['id', u.id, 'email', u.email, 'passwordHash', u.passwordHash, 'createdAt', String(u.createdAt)]
  if (u.name !== null) out.push('name', u.name)
  return out
}

/** The account in a hash, or null for an absent key. */
export function toUser(fields: Record<string, string>): UserRecord | null {
  const { id, email, passwordHash } = fields
  if (id === undefined) return null
  if (email === undefined || passwordHash === undefined) throw new Error('Corrupt user record in Redis')
  return {
    id: id as UserId,
    email: email as Email,
    name: fields.name ?? null,
    passwordHash,
    createdAt: instant(integer(fields, 'createdAt', 'user')),
  }
}

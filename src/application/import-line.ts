import { type Email, parseEmail } from '../domain/email.js'
import { type Instant, instant } from '../domain/units.js'
import { parseName } from '../domain/user.js'

/** The longest line `importUsers` reads, in UTF-16 units; a longer one is skipped unparsed. */
export const IMPORT_LINE_MAX = 16 * 1024

/** Roles one imported account may hold, and the form of each. */
export const IMPORT_ROLES_MAX = 32
const ROLE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/

/** A line's account, validated: everything but the id, which the import gives it. */
export interface ImportedAccount {
  readonly email: Email
  readonly passwordHash: string
  readonly name: string | null
  readonly emailVerified: boolean
  readonly roles: readonly string[]
  /** Absent when the line gave none: the time of the import. */
  readonly createdAt?: Instant
}

/** What a line is, or why it is skipped: a fixed text that never repeats a value of the line. */
export type ParsedLine =
  | { readonly ok: true; readonly account: ImportedAccount }
  | { readonly ok: false; readonly reason: string }

const FIELDS = new Set(['email', 'passwordHash', 'name', 'emailVerified', 'roles', 'createdAt'])
const NAMEABLE_FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/
// A date-time with seconds and a zone: `2021-03-04T05:06:07Z`, `2021-03-04T05:06:07.123+02:00`.
const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d{1,9})?(?:Z|[+-](\d\d):(\d\d))$/

const skip = (reason: string): ParsedLine => ({ ok: false, reason })

/** An ISO 8601 date-time whose fields all exist (no 30 February, no hour 24), as an instant. */
function parseDateTime(raw: string): Instant | null {
  const m = DATE_TIME.exec(raw)
  if (!m) return null
  const [year, month, day, hour, minute, second, zh, zm] = m.slice(1).map((x) => Number(x ?? 0)) as number[]
  const date = new Date(Date.UTC(year as number, (month as number) - 1, day))
  const real =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === (month as number) - 1 &&
    date.getUTCDate() === day &&
    (hour as number) <= 23 &&
    (minute as number) <= 59 &&
    (second as number) <= 59 &&
    (zh as number) <= 23 &&
    (zm as number) <= 59
  const at = Date.parse(raw)
  return real && year !== undefined && year >= 1970 && Number.isFinite(at) ? instant(at) : null
}

function parseRoles(raw: unknown): string[] | null {
  if (!Array.isArray(raw) || raw.length > IMPORT_ROLES_MAX) return null
  if (!raw.every((r): r is string => typeof r === 'string' && ROLE.test(r))) return null
  return [...new Set(raw)]
}

/**
 * One JSON Lines record of an import, checked whole before anything is stored:
 * `{"email", "passwordHash", "name"?, "emailVerified"?, "roles"?, "createdAt"?}` and nothing else.
 * `accepts` says whether the hasher can verify the hash (a format it reads, a cost within bounds).
 */
export function parseImportLine(text: string, accepts: (hash: string) => boolean, now: Instant): ParsedLine {
  if (text.length > IMPORT_LINE_MAX) return skip(`line is longer than ${IMPORT_LINE_MAX} characters`)
  let record: unknown
  try {
    record = JSON.parse(text)
  } catch {
    return skip('not valid JSON')
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return skip('not a JSON object')
  const fields = record as Record<string, unknown>
  const unknown = Object.keys(fields).find((k) => !FIELDS.has(k))
  if (unknown !== undefined)
    return skip(NAMEABLE_FIELD.test(unknown) ? `unknown field "${unknown}"` : 'an unknown field')

  const email = typeof fields.email === 'string' ? parseEmail(fields.email) : null
  if (!email) return skip('email is missing or not a valid address')
  const hash = fields.passwordHash
  if (typeof hash !== 'string' || hash.length === 0) return skip('passwordHash is missing')
  if (!accepts(hash))
    return skip('passwordHash is not a supported hash (scrypt, bcrypt, argon2id) or its cost is out of bounds')
  let name: string | null = null
  if (fields.name !== undefined && fields.name !== null) {
    name = typeof fields.name === 'string' ? parseName(fields.name) : null
    if (name === null) return skip('name must be null or 1 to 100 printable characters')
  }
  const verified = fields.emailVerified ?? false
  if (typeof verified !== 'boolean') return skip('emailVerified must be true or false')
  const roles = fields.roles === undefined ? [] : parseRoles(fields.roles)
  if (roles === null) {
    return skip(`roles must be an array of at most ${IMPORT_ROLES_MAX} names of 1 to 64 of A-Z a-z 0-9 _ . : -`)
  }
  let createdAt: Instant | undefined
  if (fields.createdAt !== undefined) {
    createdAt = typeof fields.createdAt === 'string' ? (parseDateTime(fields.createdAt) ?? undefined) : undefined
    if (createdAt === undefined || createdAt > now) {
      return skip('createdAt must be an ISO 8601 date-time with seconds and a zone, from 1970 to now')
    }
  }
  return {
    ok: true,
    account: {
      email,
      passwordHash: hash,
      name,
      emailVerified: verified,
      roles,
      ...(createdAt !== undefined && { createdAt }),
    },
  }
}

import type { AccountExport } from '../../application/account.js'
import type { SessionView } from '../../application/sessions.js'
import type { PublicUser } from '../../domain/user.js'

/** The largest instant a `Date` can hold (ms): formatting anything beyond it throws. */
const MAX_DATE_MS = 8.64e15

/**
 * An instant (ms since the epoch) as an ISO 8601 string that never throws: out-of-range values
 * are clamped to what a `Date` can hold. The only place instants become text.
 */
export const isoTime = (ms: number): string =>
  new Date(Number.isNaN(ms) ? 0 : Math.min(Math.max(ms, -MAX_DATE_MS), MAX_DATE_MS)).toISOString()

/** The contract's `user` as JSON: plain strings, so a typed client sees strings, not brands. */
export type UserJson = {
  id: string
  email: string
  name: string | null
  createdAt: string
  emailVerified: boolean
  roles: string[]
}

/** One entry of `GET /sessions` as JSON. */
export type SessionJson = {
  id: string
  createdAt: string
  lastUsedAt: string
  expiresAt: string
  userAgent: string | null
  current: boolean
}

/** `GET /session` as JSON. */
export type SessionInfoJson = { userId: string; sessionId: string; accessTokenExpiresAt: string }

/** The contract's `user`, timestamps as ISO strings. */
export const userJson = (u: PublicUser): UserJson => ({
  id: u.id,
  email: u.email,
  name: u.name,
  createdAt: isoTime(u.createdAt),
  emailVerified: u.emailVerified,
  roles: [...u.roles],
})

/** One entry of `GET /sessions`, timestamps as ISO strings. */
export const sessionJson = (s: SessionView): SessionJson => ({
  id: s.id,
  createdAt: isoTime(s.createdAt),
  lastUsedAt: isoTime(s.lastUsedAt),
  expiresAt: isoTime(s.expiresAt),
  userAgent: s.userAgent,
  current: s.current,
})

/** `GET /account/export` as JSON: the account, its sessions and its pending mails, never a secret. */
export type AccountExportJson = {
  exportedAt: string
  user: UserJson
  sessions: Array<{
    id: string
    createdAt: string
    lastUsedAt: string
    expiresAt: string
    absoluteExpiresAt: string
    userAgent: string | null
  }>
  pendingMails: Array<{ purpose: string; sentTo: string; createdAt: string; expiresAt: string }>
}

export const accountExportJson = (e: AccountExport, now: number): AccountExportJson => ({
  exportedAt: isoTime(now),
  user: userJson(e.user),
  sessions: e.sessions.map((s) => ({
    id: s.id,
    createdAt: isoTime(s.createdAt),
    lastUsedAt: isoTime(s.lastUsedAt),
    expiresAt: isoTime(s.expiresAt),
    absoluteExpiresAt: isoTime(s.absoluteExpiresAt),
    userAgent: s.userAgent,
  })),
  pendingMails: e.pendingMails.map((m) => ({
    purpose: m.purpose,
    sentTo: m.sentTo,
    createdAt: isoTime(m.createdAt),
    expiresAt: isoTime(m.expiresAt),
  })),
})

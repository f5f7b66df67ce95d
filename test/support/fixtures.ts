import type { Clock, Random } from '../../src/application/ports.js'
import type { AccountToken, TokenPurpose } from '../../src/domain/account-token.js'
import type { Email } from '../../src/domain/email.js'
import type { Session, SessionId } from '../../src/domain/session.js'
import { type Generation, generation, type Instant, instant } from '../../src/domain/units.js'
import type { UserId, UserRecord } from '../../src/domain/user.js'

/** A clock the test moves by hand; tests never sleep. */
export interface FakeClock extends Clock {
  advance(ms: number): void
  set(ms: number): void
}

export function fakeClock(start = Date.UTC(2026, 0, 1)): FakeClock {
  let t = start
  return {
    now: () => instant(t),
    advance: (ms) => {
      t += ms
    },
    set: (ms) => {
      t = ms
    },
  }
}

let counter = 0
/** A unique id per call, shaped like the real ones (22 base64url characters). */
export const uniqueId = (prefix = 'id'): string => {
  counter += 1
  const rand = crypto.randomUUID().replaceAll('-', '')
  return `${prefix}${counter.toString(36)}x${rand}`
    .padEnd(22, 'A')
    .slice(0, 22)
    .replace(/[^A-Za-z0-9_-]/g, 'A')
}

/** Predictable ids for unit tests. */
export const sequentialRandom = (): Random => {
  let n = 0
  return { id: () => `id${String(++n).padStart(20, '0')}` }
}

export const aUser = (overrides: Partial<UserRecord> = {}): UserRecord => ({
  id: uniqueId('u') as UserId,
  email: `${uniqueId('e').toLowerCase()}@example.com` as Email,
  name: null,
  passwordHash: '$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  createdAt: instant(Date.UTC(2026, 0, 1)),
  emailVerified: false,
  roles: [],
  ...overrides,
})

/**
 * Tests write instants, durations and generations as plain numbers: these give them their unit
 * (src/domain/units.ts), so a test reads as arithmetic and the calls still type-check.
 */
export const at = (ms: number): Instant => instant(ms)
export const gen = (n: number): Generation => generation(n)

export const aSession = (now: number, overrides: Partial<Session> = {}): Session => ({
  id: uniqueId('s') as SessionId,
  userId: uniqueId('u') as UserId,
  generation: generation(0),
  createdAt: instant(now),
  rotatedAt: instant(now),
  lastUsedAt: instant(now),
  expiresAt: instant(now + 30 * 86_400_000),
  absoluteExpiresAt: instant(now + 90 * 86_400_000),
  userAgent: 'vitest',
  ...overrides,
})

let digestCounter = 0
/** A pending account token for `userId` made at `now` (a fresh 64-hex digest each call). */
export const aToken = (
  userId: UserId,
  purpose: TokenPurpose,
  now: number,
  overrides: Partial<AccountToken> = {},
): AccountToken => {
  digestCounter += 1
  return {
    userId,
    purpose,
    digest: `${digestCounter.toString(16).padStart(8, '0')}${crypto.randomUUID().replaceAll('-', '')}`.padEnd(64, 'a'),
    email: `${uniqueId('t').toLowerCase()}@example.com` as Email,
    createdAt: instant(now),
    expiresAt: instant(now + 30 * 60_000),
    ...overrides,
  }
}

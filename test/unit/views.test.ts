import { describe, expect, it } from 'vitest'
import { isoTime, sessionJson, userJson } from '../../src/adapters/http/views.js'
import type { Email } from '../../src/domain/email.js'
import type { SessionId } from '../../src/domain/session.js'
import { instant } from '../../src/domain/units.js'
import type { UserId } from '../../src/domain/user.js'

describe('the HTTP edge formats instants', () => {
  it('as ISO 8601, clamping what a Date cannot hold instead of throwing', () => {
    expect(isoTime(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('2026-01-02T03:04:05.000Z')
    expect(isoTime(8.64e15)).toBe('+275760-09-13T00:00:00.000Z')
    for (const ms of [8.64e15 + 1, 1e300, Number.MAX_VALUE, Number.POSITIVE_INFINITY]) {
      expect(isoTime(ms)).toBe('+275760-09-13T00:00:00.000Z')
    }
    expect(isoTime(-1e300)).toBe('-271821-04-20T00:00:00.000Z')
    expect(isoTime(Number.NaN)).toBe('1970-01-01T00:00:00.000Z')
  })

  it("in the contract's user and session views", () => {
    const at = instant(Date.UTC(2026, 0, 2))
    const user = { id: 'u1' as UserId, email: 'a@example.com' as Email, name: null, createdAt: at }
    expect(userJson({ ...user, emailVerified: false, roles: [] })).toEqual({
      id: 'u1',
      email: 'a@example.com',
      name: null,
      createdAt: '2026-01-02T00:00:00.000Z',
      emailVerified: false,
      roles: [],
    })
    const view = sessionJson({
      id: 's1' as SessionId,
      createdAt: at,
      lastUsedAt: instant(at + 1000),
      expiresAt: instant(at + 2000),
      userAgent: 'ua',
      current: true,
    })
    expect(view).toEqual({
      id: 's1',
      createdAt: '2026-01-02T00:00:00.000Z',
      lastUsedAt: '2026-01-02T00:00:01.000Z',
      expiresAt: '2026-01-02T00:00:02.000Z',
      userAgent: 'ua',
      current: true,
    })
  })
})

import { describe, expect, it } from 'vitest'
import { confirmedSessionCache } from '../../src/adapters/confirmed-sessions.js'
import type { SessionId } from '../../src/domain/session.js'
import type { UserId } from '../../src/domain/user.js'
import { at } from '../support/fixtures.js'

const sid = (s: string) => s as SessionId
const uid = (s: string) => s as UserId

describe('confirmedSessionCache', () => {
  it('remembers a live answer for its user until the instant given, never at or past it', () => {
    const cache = confirmedSessionCache()
    cache.remember(sid('s1'), uid('ada'), at(2000), at(1000))
    expect(cache.has(sid('s1'), uid('ada'), at(1999))).toBe(true)
    expect(cache.has(sid('s1'), uid('ada'), at(2000))).toBe(false)
  })

  it('answers no for another user or another session', () => {
    const cache = confirmedSessionCache()
    cache.remember(sid('s1'), uid('ada'), at(2000), at(1000))
    expect(cache.has(sid('s1'), uid('bob'), at(1000))).toBe(false)
    expect(cache.has(sid('s2'), uid('ada'), at(1000))).toBe(false)
  })

  it('stores nothing when the instant has passed (max-age 0)', () => {
    const cache = confirmedSessionCache()
    cache.remember(sid('s1'), uid('ada'), at(1000), at(1000))
    expect(cache.has(sid('s1'), uid('ada'), at(999))).toBe(false)
  })

  it('holds at most its bound, forgetting the oldest first', () => {
    const cache = confirmedSessionCache(2)
    for (const s of ['s1', 's2', 's3']) cache.remember(sid(s), uid('ada'), at(9000), at(1000))
    expect(cache.has(sid('s1'), uid('ada'), at(1000))).toBe(false)
    expect(cache.has(sid('s2'), uid('ada'), at(1000))).toBe(true)
    expect(cache.has(sid('s3'), uid('ada'), at(1000))).toBe(true)
  })
})

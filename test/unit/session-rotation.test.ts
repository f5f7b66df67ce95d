import { describe, expect, it } from 'vitest'
import { decideRotation, isLiveAt, type RotationPolicy, type Session } from '../../src/domain/session.js'
import { millis } from '../../src/domain/units.js'
import { SEC } from '../support/constants.js'
import { aSession, at, gen } from '../support/fixtures.js'

const DAY = 86_400 * SEC
const T0 = Date.UTC(2026, 0, 1)
const policy: RotationPolicy = { graceMs: millis(10 * SEC), slidingMs: millis(30 * DAY) }

/** A session at generation 3, last rotated at T0 + 1 day. */
const current = (overrides: Partial<Session> = {}): Session =>
  aSession(T0, {
    generation: gen(3),
    rotatedAt: at(T0 + DAY),
    lastUsedAt: at(T0 + DAY),
    expiresAt: at(T0 + 31 * DAY),
    ...overrides,
  })

describe('decideRotation', () => {
  const rotatedAt = T0 + DAY
  it.each([
    // [case, from, now offset from rotatedAt, expected kind]
    ['the current generation', 3, 5 * DAY, 'rotated'],
    ['the current generation, long after the last rotation', 3, 29 * DAY, 'rotated'],
    ['the previous generation within the grace window', 2, 5 * SEC, 'grace'],
    ['the previous generation at the end of the grace window', 2, 10 * SEC, 'grace'],
    ['the previous generation just after the grace window', 2, 10 * SEC + 1, 'reused'],
    ['an older generation within the grace window', 1, SEC, 'reused'],
    ['the first generation much later', 0, DAY, 'reused'],
    ['a generation from the future', 4, SEC, 'reused'],
  ] as const)('%s: %s', (_, from, offset, kind) => {
    const s = current()
    const { outcome } = decideRotation(s, gen(from), at(rotatedAt + offset), policy)
    expect(outcome.kind).toBe(kind)
  })

  it('rotated: next generation, rotatedAt and lastUsedAt now, sliding expiry; the store writes `next`', () => {
    const s = current()
    const now = at(rotatedAt + 5 * DAY)
    const { outcome, next } = decideRotation(s, gen(3), now, policy)
    const expected = { ...s, generation: 4, rotatedAt: now, lastUsedAt: now, expiresAt: now + 30 * DAY }
    expect(outcome).toEqual({ kind: 'rotated', session: expected })
    expect(next).toEqual(expected)
    expect(s.generation).toBe(3)
  })

  it('rotated: never past the absolute expiry', () => {
    const s = current({ absoluteExpiresAt: at(T0 + 20 * DAY) })
    const now = at(rotatedAt + 5 * DAY)
    const { next } = decideRotation(s, gen(3), now, policy)
    expect(next?.expiresAt).toBe(T0 + 20 * DAY)
  })

  it('grace: the current session unchanged', () => {
    const s = current()
    expect(decideRotation(s, gen(2), at(rotatedAt + SEC), policy)).toEqual({
      outcome: { kind: 'grace', session: s },
      next: s,
    })
  })

  it('reused: the owner named, nothing kept', () => {
    const s = current()
    expect(decideRotation(s, gen(1), at(rotatedAt + SEC), policy)).toEqual({
      outcome: { kind: 'reused', userId: s.userId },
      next: null,
    })
  })

  it('missing: no session, or one whose sliding expiry has come', () => {
    expect(decideRotation(null, gen(0), at(T0), policy)).toEqual({ outcome: { kind: 'missing' }, next: null })
    const s = current()
    expect(decideRotation(s, gen(3), s.expiresAt, policy).outcome.kind).toBe('missing')
    expect(decideRotation(s, gen(3), at(s.expiresAt - 1), policy).outcome.kind).toBe('rotated')
    expect(decideRotation(s, gen(2), s.expiresAt, policy).outcome.kind).toBe('missing')
  })

  it('a zero grace window makes any repeat reuse', () => {
    const s = current()
    const strict = { ...policy, graceMs: millis(0) }
    expect(decideRotation(s, gen(2), at(rotatedAt), strict).outcome.kind).toBe('grace')
    expect(decideRotation(s, gen(2), at(rotatedAt + 1), strict).outcome.kind).toBe('reused')
  })
})

describe('isLiveAt', () => {
  it('is live strictly before its expiry, and decideRotation agrees', () => {
    const s = aSession(T0, { expiresAt: at(T0 + SEC) })
    expect(isLiveAt(s, at(T0 + SEC - 1))).toBe(true)
    expect(isLiveAt(s, at(T0 + SEC))).toBe(false)
    expect(decideRotation(s, s.generation, at(T0 + SEC), policy).outcome.kind).toBe('missing')
    expect(decideRotation(s, s.generation, at(T0 + SEC - 1), policy).outcome.kind).toBe('rotated')
  })
})

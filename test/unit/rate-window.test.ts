import { describe, expect, it } from 'vitest'
import { decideHit, type RateRule, type RateWindow } from '../../src/domain/rate-window.js'
import { retryAfterSeconds, seconds } from '../../src/domain/units.js'
import { at, fakeClock } from '../support/fixtures.js'

const SEC = 1000
const rule: RateRule = { limit: 3, window: seconds(60) }

/** Feeds each hit the window the previous one left, as a store does, on a clock the test moves. */
function counter() {
  const clock = fakeClock()
  const start = clock.now()
  let window: RateWindow | null = null
  return {
    clock,
    start,
    hit(r: RateRule = rule) {
      const { next, decision } = decideHit(window, r, clock.now())
      window = next
      return { next, decision }
    },
  }
}

describe('decideHit', () => {
  it('opens a window of rule.window with the first hit', () => {
    const c = counter()
    expect(c.hit()).toEqual({ next: { count: 1, end: c.start + 60 * SEC }, decision: { allowed: true } })
  })

  it('allows up to the limit in one window, then refuses until the window ends', () => {
    const c = counter()
    for (let i = 0; i < 3; i++) {
      expect(c.hit().decision).toEqual({ allowed: true })
      c.clock.advance(SEC)
    }
    c.clock.advance(7 * SEC) // 10 s into the window
    expect(c.hit()).toEqual({
      next: { count: 4, end: c.start + 60 * SEC },
      decision: { allowed: false, retryAfter: 50 * SEC },
    })
  })

  it('keeps the window end fixed: later hits do not extend it', () => {
    const c = counter()
    c.hit()
    c.clock.advance(59 * SEC)
    expect(c.hit().next.end).toBe(c.start + 60 * SEC)
  })

  it('answers retryAfter as the exact ms left, which Retry-After rounds up to whole seconds, never below 1', () => {
    const c = counter()
    for (let i = 0; i < 3; i++) c.hit()
    c.clock.advance(58 * SEC + 1) // 1.999 s left
    const first = c.hit().decision
    expect(first).toEqual({ allowed: false, retryAfter: 2 * SEC - 1 })
    expect(!first.allowed && retryAfterSeconds(first.retryAfter)).toBe(2)
    c.clock.advance(2 * SEC - 2) // 1 ms left
    const last = c.hit().decision
    expect(last).toEqual({ allowed: false, retryAfter: 1 })
    expect(!last.allowed && retryAfterSeconds(last.retryAfter)).toBe(1)
  })

  it('treats a window that has ended as none: the hit at its end opens a new one', () => {
    const c = counter()
    for (let i = 0; i < 5; i++) c.hit()
    c.clock.advance(60 * SEC)
    expect(c.hit()).toEqual({ next: { count: 1, end: c.start + 120 * SEC }, decision: { allowed: true } })
  })

  it('refuses every hit of a zero limit, the first included', () => {
    const c = counter()
    expect(c.hit({ limit: 0, window: seconds(60) }).decision).toEqual({ allowed: false, retryAfter: 60 * SEC })
  })

  it('does not change the window it was given', () => {
    const current: RateWindow = Object.freeze({ count: 2, end: at(5 * SEC) })
    const { next } = decideHit(current, rule, at(SEC))
    expect(current).toEqual({ count: 2, end: 5 * SEC })
    expect(next).toEqual({ count: 3, end: 5 * SEC })
  })
})

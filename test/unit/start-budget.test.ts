import { describe, expect, it } from 'vitest'
import { createStartBudget } from '../../src/adapters/crypto/start-budget.js'
import { fakeClock } from '../support/fixtures.js'

const refused = (retryAfter: number) => Object.assign(new Error('refused'), { retryAfter })

describe('createStartBudget (the Workers KDF start rate)', () => {
  it('lets `burst` start at once, then `perSecond`, refusing the rest at once with a Retry-After', () => {
    const clock = fakeClock()
    const budget = createStartBudget({ perSecond: 2, burst: 2 }, clock.now, refused)
    budget.take()(1)
    budget.take()(1)
    expect(() => budget.take()).toThrow(expect.objectContaining({ retryAfter: 1 }))
    clock.advance(499)
    expect(() => budget.take()).toThrow('refused')
    clock.advance(1)
    budget.take()(1)
    expect(() => budget.take()).toThrow('refused')
    clock.advance(60_000) // a long pause refills no more than `burst`
    budget.take()(1)
    budget.take()(1)
    expect(() => budget.take()).toThrow('refused')
  })

  it('keeps starts within burst + perSecond · elapsed over a long run of attempts', () => {
    const clock = fakeClock()
    const budget = createStartBudget({ perSecond: 3, burst: 2 }, clock.now, refused)
    let started = 0
    for (let i = 0; i < 10_000; i++) {
      clock.advance(7) // about 143 attempts a second
      try {
        budget.take()(1)
        started++
      } catch {}
    }
    expect(started).toBeLessThanOrEqual(2 + 3 * 70)
    expect(started).toBeGreaterThanOrEqual(3 * 70 - 1)
  })

  it('gives back a token nothing ran with, and charges a second derivation in one lease', () => {
    const clock = fakeClock()
    const budget = createStartBudget({ perSecond: 1, burst: 1 }, clock.now, refused)
    const unused = budget.take()
    unused(0)
    unused(0) // settling twice changes nothing
    const twice = budget.take()
    twice(2) // one more than it took: the next start waits two seconds, not one
    clock.advance(1000)
    expect(() => budget.take()).toThrow(expect.objectContaining({ retryAfter: 1 }))
    clock.advance(1000)
    budget.take()(1)
  })

  it('refills nothing while the clock stands still (workerd during synchronous work)', () => {
    const clock = fakeClock()
    const budget = createStartBudget({ perSecond: 1000, burst: 1 }, clock.now, refused)
    budget.take()(1)
    for (let i = 0; i < 5; i++) expect(() => budget.take()).toThrow('refused')
    clock.set(clock.now() - 5000) // a clock going back refills nothing either
    expect(() => budget.take()).toThrow('refused')
  })
})

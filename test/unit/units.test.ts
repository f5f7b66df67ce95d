import { describe, expect, it } from 'vitest'
import {
  after,
  between,
  earliest,
  epochSeconds,
  fromEpochSeconds,
  generation,
  instant,
  millis,
  nextGeneration,
  retryAfterSeconds,
  seconds,
  shortest,
} from '../../src/domain/units.js'

describe('units', () => {
  it('converts seconds to ms once, and back only at the edges', () => {
    expect(seconds(15 * 60)).toBe(900_000)
    expect(epochSeconds(instant(1_700_000_000_999))).toBe(1_700_000_000)
    expect(fromEpochSeconds(1_700_000_000)).toBe(1_700_000_000_000)
  })

  it('moves and compares instants and durations', () => {
    const t = instant(1_000)
    expect(after(t, millis(500))).toBe(1_500)
    expect(between(t, instant(400))).toBe(-600)
    expect(earliest(instant(5), instant(3))).toBe(3)
    expect(shortest(millis(5), millis(3))).toBe(3)
    expect(nextGeneration(generation(41))).toBe(42)
  })

  it('rounds a Retry-After up to whole seconds, at least 1', () => {
    expect(retryAfterSeconds(millis(1))).toBe(1)
    expect(retryAfterSeconds(millis(0))).toBe(1)
    expect(retryAfterSeconds(millis(59_001))).toBe(60)
    expect(retryAfterSeconds(millis(60_000))).toBe(60)
  })
})

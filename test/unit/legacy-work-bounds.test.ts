import { describe, expect, it } from 'vitest'
import { type LegacyHash, legacyWeight, parseLegacyHash } from '../../src/adapters/crypto/legacy-hashes.js'
import { createScryptHasher } from '../../src/adapters/crypto/scrypt-hasher.js'
import { FAST_SCRYPT } from './unit-deps.js'

/**
 * How much imported-hash work the hasher lets run, watched through a stand-in for the legacy
 * check that the test answers by hand: nothing here depends on how long bcrypt or argon2id take.
 */

const SALT22 = 'CCCCCCCCCCCCCCCCCCCCC.'
const DIGEST31 = 'E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'
const bcryptAt = (cost: number) => `$2b$${String(cost).padStart(2, '0')}$${SALT22}${DIGEST31}`
const argonAt = (m: number, t: number) => `$argon2id$v=19$m=${m},t=${t},p=1$c29tZXNhbHQ$${'A'.repeat(43)}`

/** A legacy check that stays pending until the test answers it; each call is kept, in order. */
function heldChecks() {
  const calls: { password: string; answer: (good: boolean) => void }[] = []
  const verifyLegacy = (_parsed: LegacyHash, password: string) =>
    new Promise<boolean>((resolve) => calls.push({ password, answer: resolve }))
  return { calls, verifyLegacy }
}

/** Lets every pending promise callback run (no timers involved). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('imported hashes: the work they may take', () => {
  it('weighs a check in scrypt derivations: never below one, two for the most allowed', () => {
    const weight = (stored: string) => legacyWeight(parseLegacyHash(stored) as LegacyHash)
    expect(weight(bcryptAt(4))).toBe(1)
    expect(weight(bcryptAt(11))).toBe(1)
    expect(weight(bcryptAt(12))).toBe(2)
    expect(weight(argonAt(19456, 2))).toBeCloseTo(1.1875)
    expect(weight(argonAt(65536, 1))).toBe(2)
    expect(weight(argonAt(32768, 2))).toBe(2)
  })

  it('on Node runs one legacy check at a time: a second waits, one beyond the queue is refused 503', async () => {
    const held = heldChecks()
    const hasher = createScryptHasher({ params: FAST_SCRYPT, maxLegacyQueue: 1, verifyLegacy: held.verifyLegacy })
    const first = hasher.verify(bcryptAt(10), 'pw-first')
    const second = hasher.verify(bcryptAt(10), 'pw-second')
    const third = hasher.verify(argonAt(1024, 1), 'pw-third')
    await expect(third).rejects.toMatchObject({ name: 'UnavailableError', code: 'overloaded' })
    await settle()
    expect(held.calls.map((c) => c.password)).toEqual(['pw-first'])
    // scrypt is not held up by it: its slots are the thread pool's.
    const stored = await hasher.hash('pw-scrypt')
    expect(await hasher.verify(stored, 'pw-scrypt')).toBe(true)

    held.calls[0]?.answer(true)
    expect(await first).toBe(true)
    await settle()
    expect(held.calls.map((c) => c.password)).toEqual(['pw-first', 'pw-second'])
    held.calls[1]?.answer(false)
    expect(await second).toBe(false)
  })

  it('on Workers charges the start budget by weight: a heavy check leaves no start for the next', async () => {
    const now = Date.UTC(2026, 0, 1)
    const make = () =>
      createScryptHasher({
        params: FAST_SCRYPT,
        startRate: { perSecond: 1, burst: 2 },
        now: () => now,
        verifyLegacy: async () => false,
      })
    const light = make()
    expect(await light.verify(bcryptAt(10), 'pw')).toBe(false) // weight 1: one start left
    ;(await light.reserve()).release()

    const heavy = make()
    expect(await heavy.verify(bcryptAt(12), 'pw')).toBe(false) // weight 2: the burst spent
    await expect(heavy.reserve()).rejects.toMatchObject({ code: 'overloaded' })
  })

  it('tries the password as typed for a legacy hash only, when it differs and the first did not match', async () => {
    const tried: string[] = []
    const now = Date.UTC(2026, 0, 1)
    const hasher = createScryptHasher({
      params: FAST_SCRYPT,
      startRate: { perSecond: 1, burst: 4 },
      now: () => now,
      verifyLegacy: async (_parsed, password) => {
        tried.push(password)
        return password === 'ｆｕｌｌ'
      },
    })
    const lease = await hasher.reserve()
    expect(await lease.verify(bcryptAt(11), 'full', 'ｆｕｌｌ')).toBe(true)
    expect(tried).toEqual(['full', 'ｆｕｌｌ'])
    expect(await lease.verify(bcryptAt(11), 'same', 'same')).toBe(false)
    expect(await lease.verify(bcryptAt(11), 'ｆｕｌｌ', 'other')).toBe(true)
    expect(tried).toEqual(['full', 'ｆｕｌｌ', 'same', 'ｆｕｌｌ'])
    // scrypt never takes the typed form: its hashes were made from the NFKC one.
    const stored = await lease.hash('full')
    expect(await lease.verify(stored, 'wrong', 'full')).toBe(false)
    // Four legacy checks of weight one and two derivations: six, against a burst of four.
    lease.release()
    await expect(hasher.reserve()).rejects.toMatchObject({ code: 'overloaded' })
  })
})

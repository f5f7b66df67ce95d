import { describe, expect, it } from 'vitest'
import {
  createScryptHasher,
  OWASP_SCRYPT,
  type ScryptParams,
  withinWorkerLimits,
} from '../../src/adapters/crypto/scrypt-hasher.js'
import { UnavailableError } from '../../src/domain/errors.js'
import { PASSWORD, SEC } from '../support/constants.js'
import { FAST_SCRYPT } from './unit-deps.js'

const PHC = /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/

/** A stored hash with its parameters replaced, as a tampered row would have them. */
const withParams = (stored: string, params: string): string => {
  const [, , , salt, hash] = stored.split('$')
  return `$scrypt$${params}$${salt}$${hash}`
}

describe('scrypt hasher', () => {
  it('stores a PHC string carrying its parameters, with a fresh salt each time', async () => {
    const hasher = createScryptHasher({ params: FAST_SCRYPT })
    const a = await hasher.hash(PASSWORD)
    const b = await hasher.hash(PASSWORD)
    expect(a).toMatch(PHC)
    expect(b).toMatch(PHC)
    expect(a).not.toBe(b)
    expect(a.split('$')[3]).not.toBe(b.split('$')[3])
  })

  it('verifies the right password and refuses a wrong one', async () => {
    const hasher = createScryptHasher({ params: FAST_SCRYPT })
    const stored = await hasher.hash(PASSWORD)
    expect(await hasher.verify(stored, PASSWORD)).toBe(true)
    expect(await hasher.verify(stored, 'correct horse battery stapl')).toBe(false)
    expect(await hasher.verify(stored, 'Correct horse battery staple')).toBe(false)
    expect(await hasher.verify(stored, '')).toBe(false)
  })

  it('verifies a hash made with other parameters than its own, reading them from the string', async () => {
    const older = createScryptHasher({ params: { ln: 10, r: 8, p: 1 } })
    const newer = createScryptHasher({ params: { ln: 11, r: 8, p: 2 } })
    const stored = await older.hash('pw-for-params')
    expect(await newer.verify(stored, 'pw-for-params')).toBe(true)
    expect(newer.needsRehash(stored)).toBe(true)
    expect(older.needsRehash(stored)).toBe(false)
  })

  it('needs a rehash when any parameter differs or the string is not ours', async () => {
    const hasher = createScryptHasher({ params: FAST_SCRYPT })
    const stored = await hasher.hash('pw-for-rehash')
    expect(hasher.needsRehash(stored)).toBe(false)
    for (const params of ['ln=11,r=8,p=1', 'ln=10,r=9,p=1', 'ln=10,r=8,p=2']) {
      expect(hasher.needsRehash(withParams(stored, params)), params).toBe(true)
    }
    expect(hasher.needsRehash('$2b$12$bcryptbcryptbcryptbcryptbcryptbcryptbcryptbcryptbcrypt')).toBe(true)
    expect(hasher.needsRehash('')).toBe(true)
  })

  it('answers false, not an error, for a malformed stored hash', async () => {
    const hasher = createScryptHasher({ params: FAST_SCRYPT })
    const stored = await hasher.hash('pw-malformed')
    for (const bad of [
      '',
      'plaintext-password',
      stored.replace('$scrypt$', '$argon2id$'),
      stored.replace('ln=10', 'ln=ten'),
      stored.replace('ln=10', 'ln=-1'),
      stored.replace('ln=10', 'ln=0'),
      stored.slice(0, -10),
      `${stored}$extra`,
      withParams(stored, 'ln=10,r=0,p=1'),
      withParams(stored, 'ln=10,r=8,p=0'),
    ]) {
      expect(await hasher.verify(bad, 'pw-malformed'), bad).toBe(false)
    }
  })

  it.each([
    ['ln=30 (N = 2^30)', 'ln=30,r=8,p=1'],
    ['ln=99', 'ln=99,r=8,p=1'],
    ['N·r·p above 2^20', 'ln=14,r=8,p=16'],
    ['128·N·r above 32 MiB', 'ln=16,r=16,p=1'],
    ['r above 32', 'ln=4,r=64,p=1'],
    ['p above 16', 'ln=4,r=8,p=99'],
    ['N at 2^(16·r), which scrypt itself refuses', 'ln=16,r=1,p=1'],
    ['N above 2^(16·r)', 'ln=17,r=1,p=1'],
  ])('refuses a tampered row with %s quickly, resolving false', async (_, params) => {
    const hasher = createScryptHasher({ params: FAST_SCRYPT })
    const stored = await hasher.hash('pw-tampered')
    expect(await hasher.verify(withParams(stored, params), 'pw-tampered')).toBe(false)
  })

  it.each([
    ['N·r·p exactly 2^20', { ln: 15, r: 1, p: 16 }],
    ['p = 16 at the smallest N', { ln: 1, r: 1, p: 16 }],
    ['r = 32 and p = 16', { ln: 2, r: 32, p: 16 }],
    ['the largest N for r = 1', { ln: 15, r: 1, p: 1 }],
  ])('works for every parameter set inside the limits: %s', async (_, params: ScryptParams) => {
    expect(withinWorkerLimits(params)).toBe(true)
    const hasher = createScryptHasher({ params })
    const stored = await hasher.hash('pw-edge')
    expect(await hasher.verify(stored, 'pw-edge')).toBe(true)
    expect(await createScryptHasher({ params: FAST_SCRYPT }).verify(stored, 'pw-edge')).toBe(true)
  })

  it('knows the Worker limits: OWASP parameters fit, oversized ones do not and are refused at construction', () => {
    expect(OWASP_SCRYPT).toEqual({ ln: 14, r: 8, p: 5 })
    expect(withinWorkerLimits(OWASP_SCRYPT)).toBe(true)
    expect(withinWorkerLimits({ ln: 17, r: 8, p: 1 })).toBe(false)
    expect(withinWorkerLimits({ ln: 14, r: 8, p: 9 })).toBe(false)
    expect(withinWorkerLimits({ ln: 16, r: 1, p: 1 })).toBe(false)
    expect(withinWorkerLimits({ ln: 10.5, r: 8, p: 1 })).toBe(false)
    expect(() => createScryptHasher({ params: { ln: 30, r: 8, p: 1 } })).toThrow()
    expect(() => createScryptHasher({ params: { ln: 16, r: 1, p: 1 } })).toThrow()
  })

  it('runs the dummy verification through the KDF and resolves', async () => {
    const hasher = createScryptHasher({ params: FAST_SCRYPT, maxConcurrent: 1, maxQueue: 0 })
    await expect(hasher.verifyDummy('anything')).resolves.toBeUndefined()
    // The dummy run occupies the single KDF slot, which proves it really hashes.
    const running = hasher.verifyDummy('anything')
    await expect(hasher.hash('second')).rejects.toBeInstanceOf(UnavailableError)
    await running
  })

  it('bounds concurrency: with one slot and no queue a second concurrent hash is refused as overloaded', async () => {
    const hasher = createScryptHasher({ params: FAST_SCRYPT, maxConcurrent: 1, maxQueue: 0 })
    const first = hasher.hash('first-password')
    const second = hasher.hash('second-password')
    await expect(second).rejects.toMatchObject({ name: 'UnavailableError', code: 'overloaded' })
    await expect(second).rejects.toBeInstanceOf(UnavailableError)
    expect(await first).toMatch(PHC)
    // The slot is free again.
    expect(await hasher.hash('third-password')).toMatch(PHC)
  })

  it('holds a reserved slot across awaits until released, running the lease’s derivations in it', async () => {
    const hasher = createScryptHasher({ params: FAST_SCRYPT, maxConcurrent: 1, maxQueue: 0 })
    const lease = await hasher.reserve()
    const stored = await lease.hash('pw-lease')
    expect(await lease.verify(stored, 'pw-lease')).toBe(true)
    expect(await lease.verify(stored, 'pw-other')).toBe(false)
    await expect(lease.verifyDummy('pw-lease')).resolves.toBeUndefined()
    await expect(hasher.verify(stored, 'pw-lease')).rejects.toMatchObject({ code: 'overloaded' })
    await expect(hasher.reserve()).rejects.toMatchObject({ code: 'overloaded' })
    lease.release()
    lease.release()
    await expect(lease.verify(stored, 'pw-lease')).rejects.toThrow('released')
    expect(await hasher.verify(stored, 'pw-lease')).toBe(true)
  })

  it('with a start rate, refuses starts beyond it and takes back a lease that derived nothing', async () => {
    let now = Date.UTC(2026, 0, 1)
    const hasher = createScryptHasher({ params: FAST_SCRYPT, startRate: { perSecond: 1, burst: 1 }, now: () => now })
    const stored = await hasher.hash('pw-rate')
    await expect(hasher.verify(stored, 'pw-rate')).rejects.toMatchObject({ code: 'overloaded', retryAfter: 1 * SEC })
    now += 1000
    ;(await hasher.reserve()).release() // nothing derived: the token is given back
    expect(await hasher.verify(stored, 'pw-rate')).toBe(true)
    await expect(hasher.reserve()).rejects.toMatchObject({ code: 'overloaded' })
  })

  it('queues up to maxQueue and refuses beyond it, verifications included', async () => {
    const hasher = createScryptHasher({ params: FAST_SCRYPT, maxConcurrent: 1, maxQueue: 1 })
    const stored = await hasher.hash('pw-queue')
    const running = hasher.verify(stored, 'pw-queue')
    const queued = hasher.verify(stored, 'pw-queue')
    const refused = hasher.verify(stored, 'pw-queue')
    await expect(refused).rejects.toMatchObject({ code: 'overloaded', retryAfter: 1 * SEC })
    expect(await running).toBe(true)
    expect(await queued).toBe(true)
  })
})

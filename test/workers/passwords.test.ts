import { describe, expect, it } from 'vitest'
import { createScryptHasher, OWASP_SCRYPT, withinWorkerLimits } from '../../src/adapters/crypto/scrypt-hasher.js'
import { PASSWORD } from '../support/constants.js'

const MiB = 1024 * 1024

describe('passwords inside workerd (nodejs_compat scrypt)', () => {
  it('keeps the OWASP parameters within the Workers limits: N·r·p ≤ 2^20 and 128·N·r ≤ 32 MiB', () => {
    const N = 2 ** OWASP_SCRYPT.ln
    expect(N * OWASP_SCRYPT.r * OWASP_SCRYPT.p).toBeLessThanOrEqual(2 ** 20)
    expect(128 * N * OWASP_SCRYPT.r).toBeLessThanOrEqual(32 * MiB)
    expect(withinWorkerLimits(OWASP_SCRYPT)).toBe(true)
    // One step past either bound is refused.
    expect(withinWorkerLimits({ ln: 15, r: 8, p: 5 })).toBe(false) // N·r·p = 1.25 · 2^20
    expect(withinWorkerLimits({ ln: 16, r: 16, p: 1 })).toBe(false) // 128·N·r = 128 MiB
  })

  it('hashes and verifies at OWASP parameters', async () => {
    const hasher = createScryptHasher()
    const stored = await hasher.hash(PASSWORD)
    expect(stored).toMatch(/^\$scrypt\$ln=14,r=8,p=5\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
    expect(await hasher.verify(stored, PASSWORD)).toBe(true)
    expect(await hasher.verify(stored, 'correct horse battery stapler')).toBe(false)
    expect(hasher.needsRehash(stored)).toBe(false)
    await expect(hasher.verifyDummy('anything at all')).resolves.toBeUndefined()
  })

  it('gives the same key as Node for the same input (RFC 7914 test vector)', async () => {
    const { scryptSync } = await import('node:crypto')
    const key = scryptSync('pleaseletmein', 'SodiumChloride', 64, { N: 2 ** 14, r: 8, p: 1 })
    expect(key.toString('hex').slice(0, 32)).toBe('7023bdcb3afd7348461c06cd81fd38eb')
  })

  it('refuses a stored hash whose parameters exceed the limits, without running it', async () => {
    const hasher = createScryptHasher()
    const tampered = `$scrypt$ln=30,r=8,p=1$${'A'.repeat(22)}$${'A'.repeat(43)}`
    expect(await hasher.verify(tampered, PASSWORD)).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import { importHmacKey, keyInFlight } from '../../src/adapters/crypto/hmac-key.js'

const SECRET = 'a-key-in-flight-test-secret-of-32-bytes!'

describe('keyInFlight', () => {
  it('imports once, at creation, and hands every caller that one key', async () => {
    let loads = 0
    const key = keyInFlight(() => {
      loads += 1
      return importHmacKey(SECRET)
    })
    expect(loads).toBe(1)
    const [a, b] = await Promise.all([key.get(), key.get()])
    expect(a).toBe(b)
    expect(key.get()).toBe(a) // ready: answered without waiting
    expect(loads).toBe(1)
  })

  it('imports on first use where creation refuses crypto (a Worker’s global scope), then never again', async () => {
    let loads = 0
    let refuse = true
    const key = keyInFlight(() => {
      loads += 1
      if (refuse) throw new Error('Disallowed operation called within global scope')
      return importHmacKey(SECRET)
    })
    refuse = false
    const first = await key.get()
    expect(await key.get()).toBe(first)
    expect(loads).toBe(2)
  })

  it('retries after a failed import instead of keeping the failure', async () => {
    let loads = 0
    const key = keyInFlight(() => {
      loads += 1
      return loads === 1 ? Promise.reject(new Error('refused')) : importHmacKey(SECRET)
    })
    await expect(Promise.resolve(key.get())).rejects.toThrow('refused')
    await expect(Promise.resolve(key.get())).resolves.toBeInstanceOf(CryptoKey)
    expect(loads).toBe(2)
  })
})

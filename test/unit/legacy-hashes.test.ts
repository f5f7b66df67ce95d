import { argon2id } from '@noble/hashes/argon2.js'
import { describe, expect, it } from 'vitest'
import {
  ARGON2ID_LIMITS,
  BCRYPT_COST,
  parseLegacyHash,
  withinArgon2idLimits,
} from '../../src/adapters/crypto/legacy-hashes.js'
import { acceptsStoredHash, createScryptHasher } from '../../src/adapters/crypto/scrypt-hasher.js'
import { UnavailableError } from '../../src/domain/errors.js'
import { FAST_SCRYPT } from './unit-deps.js'

// Reference vectors made by other implementations: Openwall's crypt_blowfish test vectors, PHP's
// manual ($2y$), and the Argon2 reference implementation's src/test.c ("password", "somesalt").
const VECTORS: [string, string][] = [
  ['U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
  ['U*U*', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK'],
  ['U*U*U', '$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a'],
  // OpenBSD's $2b$ differs from $2a$ only for passwords of 256 bytes or more.
  ['U*U', '$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
  ['rasmuslerdorf', '$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a'],
  ['password', '$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4'],
  ['password', '$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc'],
  ['password', '$argon2id$v=19$m=65536,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg'],
]

// A reference hash beyond the work bound (m·t = 128 MiB): refused, never run.
const BEYOND = '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'

const SALT22 = 'CCCCCCCCCCCCCCCCCCCCC.'
const DIGEST31 = 'E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'
const S = 'c29tZXNhbHQ' // 8 bytes
const H = 'nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4' // 32 bytes
const argon = (params: string, salt = S, hash = H) => `$argon2id$v=19$${params}$${salt}$${hash}`

describe('imported password hashes: verification', () => {
  it('the argon2id library reproduces RFC 9106 §5.3 (with secret and associated data)', () => {
    const tag = argon2id(new Uint8Array(32).fill(1), new Uint8Array(16).fill(2), {
      m: 32,
      t: 3,
      p: 4,
      dkLen: 32,
      key: new Uint8Array(8).fill(3),
      personalization: new Uint8Array(12).fill(4),
    })
    expect(Buffer.from(tag).toString('hex')).toBe('0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659')
  })

  it.each(VECTORS)(
    'verifies %j against a reference hash, refuses a near miss, and asks for a rehash',
    async (password, stored) => {
      const hasher = createScryptHasher({ params: FAST_SCRYPT })
      expect(hasher.accepts(stored)).toBe(true)
      expect(await hasher.verify(stored, password)).toBe(true)
      expect(await hasher.verify(stored, `${password}x`)).toBe(false)
      expect(await hasher.verify(stored, password.slice(1))).toBe(false)
      expect(hasher.needsRehash(stored)).toBe(true)
    },
  )

  it('refuses a hash whose digest was changed in its last character', async () => {
    const hasher = createScryptHasher({ params: FAST_SCRYPT })
    for (const [password, stored] of VECTORS) {
      const last = stored.at(-1) === 'A' ? 'B' : 'A'
      expect(await hasher.verify(`${stored.slice(0, -1)}${last}`, password), stored).toBe(false)
    }
  })

  it('takes a slot of the KDF budget for a legacy hash, as for scrypt', async () => {
    let now = 0
    const hasher = createScryptHasher({ params: FAST_SCRYPT, startRate: { perSecond: 1, burst: 1 }, now: () => now })
    const [password, stored] = VECTORS[0] as [string, string]
    expect(await hasher.verify(stored, password)).toBe(true)
    await expect(hasher.verify(stored, password)).rejects.toBeInstanceOf(UnavailableError)
    now += 1000
    const lease = await hasher.reserve()
    try {
      expect(await lease.verify(stored, password)).toBe(true)
    } finally {
      lease.release()
    }
  })

  it('answers false, never an error or a hang, for malformed or out-of-bounds hashes', async () => {
    const hasher = createScryptHasher({ params: FAST_SCRYPT })
    for (const stored of [
      `$2b$31$${SALT22}${DIGEST31}`, // days of work
      `$2b$99$${SALT22}${DIGEST31}`,
      argon('m=4194304,t=1,p=1'), // 4 GiB
      argon('m=65536,t=999,p=1'),
      '$2b$',
      '$argon2id$',
      '$argon2id$v=19$m=256,t=2,p=1$$',
      `$2b$05$${SALT22}${DIGEST31}\n`,
      '\u0000',
      '$'.repeat(100_000),
    ]) {
      expect(hasher.accepts(stored), stored.slice(0, 40)).toBe(false)
      expect(await hasher.verify(stored, 'U*U'), stored.slice(0, 40)).toBe(false)
    }
  })
})

describe('imported password hashes: the bounds', () => {
  it('bcrypt: cost 4 to 12, the three prefixes that compute alike, and the exact length', () => {
    expect(BCRYPT_COST).toEqual({ min: 4, max: 12 })
    for (const cost of ['04', '10', '11', '12']) {
      expect(parseLegacyHash(`$2b$${cost}$${SALT22}${DIGEST31}`), cost).toMatchObject({
        scheme: 'bcrypt',
        cost: Number(cost),
      })
    }
    for (const prefix of ['2a', '2b', '2y'])
      expect(parseLegacyHash(`$${prefix}$05$${SALT22}${DIGEST31}`)).not.toBeNull()
    for (const refused of [
      `$2b$03$${SALT22}${DIGEST31}`,
      `$2b$13$${SALT22}${DIGEST31}`, // about 0.5 s on the serving thread
      `$2b$14$${SALT22}${DIGEST31}`,
      `$2b$5$${SALT22}${DIGEST31}`,
      `$2x$05$${SALT22}${DIGEST31}`, // crypt_blowfish's buggy variant: not the same function
      `$2$05$${SALT22}${DIGEST31}`,
      `$2B$05$${SALT22}${DIGEST31}`,
      `$2b$05$${SALT22}${DIGEST31.slice(1)}`,
      `$2b$05$${SALT22}${DIGEST31}A`,
      `$2b$05$${SALT22.replace('.', '+')}${DIGEST31}`, // not bcrypt's alphabet
    ]) {
      expect(parseLegacyHash(refused), refused).toBeNull()
      expect(acceptsStoredHash(refused), refused).toBe(false)
    }
  })

  it('argon2id: at most 64 MiB, 10 passes, 16 lanes and 64 MiB·passes of work', () => {
    expect(ARGON2ID_LIMITS).toEqual({ maxMemoryKiB: 65536, maxPasses: 10, maxLanes: 16, maxWork: 65536 })
    // OWASP's five settings, one pass over 64 MiB, two over 32 MiB, and the corners.
    for (const params of [
      'm=47104,t=1,p=1',
      'm=19456,t=2,p=1',
      'm=12288,t=3,p=1',
      'm=9216,t=4,p=1',
      'm=7168,t=5,p=1',
      'm=65536,t=1,p=4',
      'm=32768,t=2,p=1',
      'm=8,t=1,p=1',
      'm=6553,t=10,p=1',
      'm=128,t=1,p=16',
    ]) {
      expect(parseLegacyHash(argon(params)), params).toMatchObject({ scheme: 'argon2id' })
    }
    for (const params of [
      'm=65537,t=1,p=1', // over 64 MiB
      'm=65536,t=4,p=1', // m·t over the work bound (PHP's default)
      'm=65536,t=3,p=4', // RFC 9106's second setting, node-argon2's and argon2-cffi's default
      'm=65536,t=2,p=1',
      'm=32769,t=2,p=1',
      'm=6554,t=10,p=1',
      'm=1024,t=11,p=1',
      'm=1024,t=1,p=17',
      'm=7,t=1,p=1', // argon2 wants m ≥ 8·p
      'm=64,t=1,p=9',
      'm=0,t=1,p=1',
      'm=1024,t=0,p=1',
      'm=01024,t=1,p=1', // leading zero
      't=1,m=1024,p=1', // out of order
      'm=1024,t=1,p=1,keyid=abc',
    ]) {
      expect(parseLegacyHash(argon(params)), params).toBeNull()
    }
    expect(parseLegacyHash(BEYOND)).toBeNull()
    expect(withinArgon2idLimits({ m: 1024.5, t: 1, p: 1 })).toBe(false)
    expect(withinArgon2idLimits({ m: 1024, t: Number.NaN, p: 1 })).toBe(false)
  })

  it('argon2id: version 19 only, no other variant, a salt of 8 to 64 bytes and a hash of 16 to 64', () => {
    const ok = 'm=1024,t=1,p=1'
    expect(parseLegacyHash(argon(ok))).toMatchObject({ salt: Buffer.from('somesalt'), hash: Buffer.from(H, 'base64') })
    expect(parseLegacyHash(argon(ok, 'A'.repeat(86), 'A'.repeat(22)))).not.toBeNull()
    for (const refused of [
      `$argon2id$v=16$${ok}$${S}$${H}`,
      `$argon2id$${ok}$${S}$${H}`, // no version: 1.0
      `$argon2i$v=19$${ok}$${S}$${H}`,
      `$argon2d$v=19$${ok}$${S}$${H}`,
      argon(ok, 'c29tZXNhbH'), // 7 bytes of salt
      argon(ok, 'A'.repeat(87)),
      argon(ok, S, 'A'.repeat(21)), // 15 bytes of hash
      argon(ok, S, 'A'.repeat(87)),
      argon(ok, S, 'A'.repeat(25)), // 4k+1 characters: no whole bytes
      argon(ok, `${S}=`, H), // padded
      argon(ok, S, `${H.slice(0, -1)}-`), // base64url
    ]) {
      expect(parseLegacyHash(refused), refused).toBeNull()
    }
  })
})

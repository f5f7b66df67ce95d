import { describe, expect, it } from 'vitest'
import { parseSettings, SettingsError } from '../../src/adapters/config/settings.js'
import { pemBlocks } from '../../src/adapters/crypto/pem.js'
import { keyAlgOf } from '../../src/adapters/crypto/signing-keys.js'
import { createMemoryStores } from '../../src/adapters/stores/memory/index.js'
import { createAuth } from '../../src/create-auth.js'
import { checkAccessKeys } from '../../src/service.js'
import { makeKeyPair } from '../support/key-pairs.js'

// docs/http-contract.md, "Keys and tokens other services verify": ACCESS_TOKEN_ALG,
// JWT_PRIVATE_KEY and JWT_PREVIOUS_PUBLIC_KEYS as configuration, checked at start, never echoed.

const SECRET = 'xQ7vK2mP9sT4wY8zB3nC6dF1gH5jL0aR2eU7iO9p'

const refusal = async (run: () => unknown): Promise<SettingsError> => {
  try {
    await run()
  } catch (e) {
    expect(e).toBeInstanceOf(SettingsError)
    return e as SettingsError
  }
  throw new Error('expected a SettingsError')
}

/** The base64 body of a PEM: what must never appear in a message. */
const bodyOf = (pem: string): string => pem.replace(/-----[^-]+-----|\s/g, '').slice(10, 40)

describe('ACCESS_TOKEN_ALG and its keys', () => {
  it('defaults to HS256 with no key material', () => {
    const s = parseSettings({ JWT_SECRET: SECRET })
    expect(s.accessTokenAlg).toBe('HS256')
    expect(s.jwtPrivateKey).toBeUndefined()
    expect(s.jwtPreviousPublicKeys).toBeUndefined()
  })

  it.each(['EdDSA', 'ES256'] as const)('takes %s with a PKCS#8 key, real newlines or \\n escapes', async (alg) => {
    const keys = await makeKeyPair(alg)
    const escaped = keys.privatePem.replaceAll('\n', '\\n')
    for (const JWT_PRIVATE_KEY of [keys.privatePem, escaped]) {
      const s = parseSettings({ JWT_SECRET: SECRET, ACCESS_TOKEN_ALG: alg, JWT_PRIVATE_KEY })
      expect(s.accessTokenAlg).toBe(alg)
      await expect(checkAccessKeys(s)).resolves.toBeUndefined()
    }
  })

  it('refuses an unknown algorithm, naming the choices', async () => {
    const err = await refusal(() => parseSettings({ JWT_SECRET: SECRET, ACCESS_TOKEN_ALG: 'RS256' }))
    expect(err.message).toContain('ACCESS_TOKEN_ALG must be one of HS256, EdDSA, ES256')
  })

  it('refuses EdDSA without a key, and a key with HS256', async () => {
    const keys = await makeKeyPair('EdDSA')
    const missing = await refusal(() => parseSettings({ JWT_SECRET: SECRET, ACCESS_TOKEN_ALG: 'EdDSA' }))
    expect(missing.message).toContain('JWT_PRIVATE_KEY is required with ACCESS_TOKEN_ALG=EdDSA')
    const unused = await refusal(() => parseSettings({ JWT_SECRET: SECRET, JWT_PRIVATE_KEY: keys.privatePem }))
    expect(unused.message).toContain('need ACCESS_TOKEN_ALG=EdDSA or ES256')
    expect(unused.message).not.toContain(bodyOf(keys.privatePem))
  })

  it.each([
    ['a public key', (k: { publicPem: string }) => k.publicPem],
    ['two private keys', (k: { privatePem: string }) => k.privatePem + k.privatePem],
    ['an OpenSSL EC key', (k: { privatePem: string }) => k.privatePem.replaceAll('PRIVATE KEY', 'EC PRIVATE KEY')],
    ['text around the block', (k: { privatePem: string }) => `key: ${k.privatePem}`],
    ['a body that is not base64', () => '-----BEGIN PRIVATE KEY-----\nnot*base64\n-----END PRIVATE KEY-----'],
  ])('refuses %s as JWT_PRIVATE_KEY, never echoing it', async (_, make) => {
    const keys = await makeKeyPair('EdDSA')
    const value = make(keys as never)
    const err = await refusal(() =>
      parseSettings({ JWT_SECRET: SECRET, ACCESS_TOKEN_ALG: 'EdDSA', JWT_PRIVATE_KEY: value }),
    )
    expect(err.message).toContain('JWT_PRIVATE_KEY must be one PKCS#8 PEM block')
    expect(err.message).not.toContain(bodyOf(keys.privatePem))
  })

  it('refuses at start a key of the other algorithm, naming both variables', async () => {
    const p256 = await makeKeyPair('ES256')
    const s = parseSettings({ JWT_SECRET: SECRET, ACCESS_TOKEN_ALG: 'EdDSA', JWT_PRIVATE_KEY: p256.privatePem })
    const err = await refusal(() => checkAccessKeys(s))
    expect(err.message).toContain('JWT_PRIVATE_KEY is not an Ed25519 private key, as ACCESS_TOKEN_ALG=EdDSA needs')
    expect(err.message).not.toContain(bodyOf(p256.privatePem))
  })

  it('takes previous public keys of either algorithm, one after another, at most five', async () => {
    const current = await makeKeyPair('EdDSA')
    const olderEd = await makeKeyPair('EdDSA')
    const olderEc = await makeKeyPair('ES256')
    const base = { JWT_SECRET: SECRET, ACCESS_TOKEN_ALG: 'EdDSA', JWT_PRIVATE_KEY: current.privatePem }
    const s = parseSettings({
      ...base,
      JWT_PREVIOUS_PUBLIC_KEYS: (olderEd.publicPem + olderEc.publicPem).replaceAll('\n', '\\n'),
    })
    await expect(checkAccessKeys(s)).resolves.toBeUndefined()
    const six = (await Promise.all(Array.from({ length: 6 }, () => makeKeyPair('EdDSA'))))
      .map((k) => k.publicPem)
      .join('')
    expect((await refusal(() => parseSettings({ ...base, JWT_PREVIOUS_PUBLIC_KEYS: six }))).message).toContain(
      'JWT_PREVIOUS_PUBLIC_KEYS lists more than 5',
    )
    const withPrivate = olderEd.publicPem + olderEc.privatePem
    const err = await refusal(() => parseSettings({ ...base, JWT_PREVIOUS_PUBLIC_KEYS: withPrivate }))
    expect(err.message).toContain('JWT_PREVIOUS_PUBLIC_KEYS entry 2 is not a PUBLIC KEY block')
    expect(err.message).not.toContain(bodyOf(olderEc.privatePem))
  })

  it('refuses at start a previous key that is neither Ed25519 nor P-256, by place', async () => {
    const current = await makeKeyPair('EdDSA')
    const older = await makeKeyPair('EdDSA')
    // A well-formed PUBLIC KEY block whose contents are no key at all.
    const junk = '-----BEGIN PUBLIC KEY-----\nAAAAAAAAAAAAAAAAAAAAAAAA\n-----END PUBLIC KEY-----\n'
    const s = parseSettings({
      JWT_SECRET: SECRET,
      ACCESS_TOKEN_ALG: 'EdDSA',
      JWT_PRIVATE_KEY: current.privatePem,
      JWT_PREVIOUS_PUBLIC_KEYS: older.publicPem + junk,
    })
    expect((await refusal(() => checkAccessKeys(s))).message).toContain(
      'JWT_PREVIOUS_PUBLIC_KEYS entry 2 is neither an Ed25519 nor a P-256 public key',
    )
  })

  it('reads the algorithm of a key from its identifier', async () => {
    for (const alg of ['EdDSA', 'ES256'] as const) {
      const keys = await makeKeyPair(alg)
      for (const pem of [keys.privatePem, keys.publicPem]) {
        expect(keyAlgOf(pemBlocks(pem)?.[0]?.der ?? new Uint8Array())).toBe(alg)
      }
    }
    expect(keyAlgOf(new Uint8Array(40))).toBeNull()
  })

  it('are createAuth options too, named as options', async () => {
    const keys = await makeKeyPair('ES256')
    const stores = createMemoryStores()
    expect(() =>
      createAuth({
        stores,
        secret: SECRET,
        accessTokenAlg: 'ES256',
        privateKey: keys.privatePem,
        previousPublicKeys: [],
      }),
    ).not.toThrow()
    const err = await refusal(() => createAuth({ stores, secret: SECRET, accessTokenAlg: 'ES256' }))
    expect(err.message).toContain(
      'privateKey (JWT_PRIVATE_KEY) is required with accessTokenAlg (ACCESS_TOKEN_ALG)=ES256',
    )
  })
})

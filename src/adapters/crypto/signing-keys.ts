import { encodeBase64Url } from 'hono/utils/encode'
import { importHmacKey, keyIdOf, keyInFlight } from './hmac-key.js'
import { pemBlocks } from './pem.js'

/** `ACCESS_TOKEN_ALG`: how access tokens are signed. Refresh tokens stay MACs under `JWT_SECRET`. */
export type AccessTokenAlg = 'HS256' | 'EdDSA' | 'ES256'
export const ACCESS_TOKEN_ALGS = ['HS256', 'EdDSA', 'ES256'] as const
export type AsymmetricAlg = Exclude<AccessTokenAlg, 'HS256'>

/** A public key as `GET /.well-known/jwks.json` publishes it (RFC 7517), `kid` its RFC 7638 thumbprint. */
export interface PublicJwk {
  readonly kty: 'OKP' | 'EC'
  readonly crv: 'Ed25519' | 'P-256'
  readonly x: string
  readonly y?: string
  readonly kid: string
  readonly alg: AsymmetricAlg
  readonly use: 'sig'
}

/** A key that verifies tokens naming its `kid`, with the one `alg` it verifies. */
export interface VerifyingKey {
  readonly kid: string
  readonly alg: AccessTokenAlg
  readonly key: { get(): CryptoKey | Promise<CryptoKey> }
}

/** Every key that may verify, by `kid`; the one that signs; and what the JWKS publishes (null with HS256). */
export interface KeyRing {
  readonly signing: VerifyingKey & { readonly signKey: { get(): CryptoKey | Promise<CryptoKey> } }
  readonly byKid: ReadonlyMap<string, VerifyingKey>
  readonly jwks: readonly PublicJwk[] | null
}

/** The key material of `ACCESS_TOKEN_ALG`, `JWT_PRIVATE_KEY` and `JWT_PREVIOUS_PUBLIC_KEYS` (or the secrets). */
export type AccessKeyOptions =
  | { readonly alg?: 'HS256'; readonly secret: string; readonly previousSecrets?: readonly string[] }
  | {
      readonly alg: AsymmetricAlg
      /** One PKCS#8 PEM block (real newlines or `\n` escapes). */
      readonly privateKey: string
      /** PEM `PUBLIC KEY` blocks, one after another, of keys that signed tokens still live. */
      readonly previousPublicKeys?: string | undefined
    }

/** A bad key, named by the variable it came from; never the key itself. */
export class KeyMaterialError extends Error {
  override readonly name = 'KeyMaterialError'
}

/** What Web Crypto takes to import and to sign (spelled out: the DOM and workerd name them differently). */
interface ImportParams {
  readonly name: string
  readonly namedCurve?: string
}
interface SignParams {
  readonly name: string
  readonly hash?: string
}

const PARAMS: Record<AsymmetricAlg, { import: ImportParams; sign: SignParams }> = {
  EdDSA: { import: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
  ES256: { import: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } },
}

/** How each algorithm signs: what `crypto.subtle.sign` takes. */
export const signParams = (alg: AccessTokenAlg): SignParams => (alg === 'HS256' ? { name: 'HMAC' } : PARAMS[alg].sign)

const encoder = new TextEncoder()
const b64url = (bytes: ArrayBuffer): string => encodeBase64Url(bytes).replace(/=+$/, '')

/** RFC 7638: the SHA-256 of the required members, in lexicographic order, as base64url. */
async function thumbprint(jwk: JsonWebKey): Promise<string> {
  const members =
    jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
  return b64url(await crypto.subtle.digest('SHA-256', encoder.encode(JSON.stringify(members))))
}

async function publicJwk(jwk: JsonWebKey, alg: AsymmetricAlg): Promise<PublicJwk> {
  const kid = await thumbprint(jwk)
  return alg === 'EdDSA'
    ? { kty: 'OKP', crv: 'Ed25519', x: jwk.x as string, kid, alg, use: 'sig' }
    : { kty: 'EC', crv: 'P-256', x: jwk.x as string, y: jwk.y as string, kid, alg, use: 'sig' }
}

const verifyKeyOf = (jwk: PublicJwk): Promise<CryptoKey> => {
  const { kid: _kid, alg, use: _use, ...material } = jwk
  return crypto.subtle.importKey('jwk', material, PARAMS[alg].import, false, ['verify'])
}

// The algorithm identifiers of RFC 8410 (Ed25519) and RFC 5480 (an EC key on P-256), as DER.
const ED25519_OID = [0x06, 0x03, 0x2b, 0x65, 0x70]
const P256_OID = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]

const holds = (der: Uint8Array, oid: readonly number[]): boolean => {
  // The identifier sits near the start of a PKCS#8 or SPKI structure.
  for (let i = 0; i + oid.length <= Math.min(der.length, 64); i++) {
    if (oid.every((b, j) => der[i + j] === b)) return true
  }
  return false
}

/**
 * Which algorithm a PKCS#8 or SPKI key is for, read from its algorithm identifier, so no import is
 * tried with the wrong algorithm (workerd logs such a failure as an internal error).
 */
export const keyAlgOf = (der: Uint8Array): AsymmetricAlg | null =>
  holds(der, ED25519_OID) ? 'EdDSA' : holds(der, P256_OID) ? 'ES256' : null

/** The signing key and its public half, from the PKCS#8 block; the algorithm must match the key. */
async function privateKeyOf(pem: string, alg: AsymmetricAlg) {
  const blocks = pemBlocks(pem)
  const block = blocks?.length === 1 ? blocks[0] : undefined
  if (block?.label !== 'PRIVATE KEY') {
    throw new KeyMaterialError('JWT_PRIVATE_KEY must be one PKCS#8 PEM block (-----BEGIN PRIVATE KEY-----)')
  }
  const der = block.der.slice().buffer as ArrayBuffer
  const kind = alg === 'EdDSA' ? 'an Ed25519' : 'a P-256 (prime256v1)'
  const wrongKind = new KeyMaterialError(`JWT_PRIVATE_KEY is not ${kind} private key, as ACCESS_TOKEN_ALG=${alg} needs`)
  if (keyAlgOf(block.der) !== alg) throw wrongKind
  let exported: JsonWebKey
  try {
    const extractable = await crypto.subtle.importKey('pkcs8', der, PARAMS[alg].import, true, ['sign'])
    exported = (await crypto.subtle.exportKey('jwk', extractable)) as JsonWebKey
  } catch {
    throw wrongKind
  }
  return { jwk: await publicJwk(exported, alg), der }
}

/** A previous public key of either algorithm (a rotation may change the algorithm too). */
async function previousKeyOf(der: Uint8Array, place: number): Promise<PublicJwk> {
  const alg = keyAlgOf(der)
  try {
    if (alg === null) throw new Error('unknown key type')
    const key = await crypto.subtle.importKey('spki', der.slice().buffer as ArrayBuffer, PARAMS[alg].import, true, [
      'verify',
    ])
    return await publicJwk((await crypto.subtle.exportKey('jwk', key)) as JsonWebKey, alg)
  } catch {
    throw new KeyMaterialError(`JWT_PREVIOUS_PUBLIC_KEYS entry ${place} is neither an Ed25519 nor a P-256 public key`)
  }
}

/** At most this many previous keys of either kind. */
export const MAX_PREVIOUS_KEYS = 5

/** The PEM `PUBLIC KEY` blocks of `JWT_PREVIOUS_PUBLIC_KEYS`; a problem is named by place. */
export function previousPublicKeyBlocks(raw: string | undefined): { blocks: Uint8Array[] } | { problem: string } {
  if (raw === undefined || raw.trim() === '') return { blocks: [] }
  const blocks = pemBlocks(raw)
  if (!blocks)
    return { problem: 'JWT_PREVIOUS_PUBLIC_KEYS must be PEM blocks (-----BEGIN PUBLIC KEY-----), one after another' }
  const other = blocks.findIndex((b) => b.label !== 'PUBLIC KEY')
  if (other >= 0) return { problem: `JWT_PREVIOUS_PUBLIC_KEYS entry ${other + 1} is not a PUBLIC KEY block` }
  if (blocks.length > MAX_PREVIOUS_KEYS)
    return { problem: `JWT_PREVIOUS_PUBLIC_KEYS lists more than ${MAX_PREVIOUS_KEYS}` }
  return { blocks: blocks.map((b) => b.der) }
}

async function asymmetricRing(alg: AsymmetricAlg, privateKey: string, previous: string | undefined): Promise<KeyRing> {
  const parsed = previousPublicKeyBlocks(previous)
  if ('problem' in parsed) throw new KeyMaterialError(parsed.problem)
  const [current, ...older] = await Promise.all([
    privateKeyOf(privateKey, alg),
    ...parsed.blocks.map((der, i) => previousKeyOf(der, i + 1).then((jwk) => ({ jwk }))),
  ])
  const { jwk, der } = current as Awaited<ReturnType<typeof privateKeyOf>>
  const published = [jwk, ...older.map((o) => o.jwk).filter((k) => k.kid !== jwk.kid)]
  const verifying = published.map(
    (k): VerifyingKey => ({ kid: k.kid, alg: k.alg, key: keyInFlight(() => verifyKeyOf(k)) }),
  )
  // The key that signs is imported again, not extractable: nothing can read it back out.
  const signKey = keyInFlight(() => crypto.subtle.importKey('pkcs8', der, PARAMS[alg].import, false, ['sign']))
  const signing = { ...(verifying[0] as VerifyingKey), signKey }
  return { signing, byKid: new Map(verifying.map((k) => [k.kid, k])), jwks: published }
}

async function hmacRing(secret: string, previous: readonly string[]): Promise<KeyRing> {
  // The imports start at once (synchronously), beside the kids' digests.
  const make = (s: string): Promise<VerifyingKey> => {
    const key = keyInFlight(() => importHmacKey(s))
    return keyIdOf(s).then((kid) => ({ kid, alg: 'HS256' as const, key }))
  }
  const all = await Promise.all([secret, ...previous].map(make))
  const first = all[0] as VerifyingKey
  return { signing: { ...first, signKey: first.key }, byKid: new Map(all.map((k) => [k.kid, k])), jwks: null }
}

/** Imports every key once: what the access tokens sign and verify with, and what the JWKS publishes. */
export function keyRing(o: AccessKeyOptions): Promise<KeyRing> {
  return 'privateKey' in o
    ? asymmetricRing(o.alg, o.privateKey, o.previousPublicKeys)
    : hmacRing(o.secret, o.previousSecrets ?? [])
}

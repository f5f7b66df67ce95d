import { verify } from 'hono/jwt'
import { decodeBase64Url, encodeBase64Url } from 'hono/utils/encode'
import type { AccessClaims, AccessTokens, AccessVerdict } from '../../application/ports.js'
import { MAX_ROLE_LENGTH, MAX_ROLES } from '../../domain/roles.js'
import type { SessionId } from '../../domain/session.js'
import { epochSeconds, fromEpochSeconds, type Millis } from '../../domain/units.js'
import type { UserId } from '../../domain/user.js'
import { BoundedExpiringMap } from '../bounded-map.js'
import { keyInFlight } from './hmac-key.js'
import { type AccessTokenAlg, keyRing, signParams, type VerifyingKey } from './signing-keys.js'

export interface AccessTokenOptions {
  /** `ACCESS_TOKEN_ALG` (HS256 unless given). */
  readonly alg?: AccessTokenAlg
  /** At least 32 bytes; checked by the composition root before it gets here. Signs HS256 tokens. */
  readonly secret: string
  /** Secrets that still verify tokens they signed (`JWT_PREVIOUS_SECRETS`), found by `kid`. */
  readonly previousSecrets?: readonly string[]
  /** `JWT_PRIVATE_KEY`: signs EdDSA or ES256 tokens (one PKCS#8 PEM block). */
  readonly privateKey?: string | undefined
  /** `JWT_PREVIOUS_PUBLIC_KEYS`: PEM public keys that still verify tokens they signed. */
  readonly previousPublicKeys?: string | undefined
  readonly ttl: Millis
  /** Clock tolerance in seconds (the claims' unit) on `exp`, `nbf` and `iat` (30 by default, at most 60). */
  readonly leeway?: number
  readonly issuer?: string | undefined
  readonly audience?: string | undefined
  /** How many verified tokens to remember (0 turns the cache off). */
  readonly cacheSize?: number
}

// Three base64url segments; an HS256 signature is 32 bytes, 43 characters unpadded, an Ed25519 or
// P-256 one 64 bytes, 86 characters. The last character carries two (or four) unused bits: only the
// canonical spelling passes, so no altered copy of an HS256 or EdDSA token verifies (an ECDSA
// signature has a second valid form by its nature; either names the same claims).
const SHAPE =
  /^[A-Za-z0-9_-]{2,2048}\.[A-Za-z0-9_-]{2,6000}\.(?:[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]|[A-Za-z0-9_-]{85}[AQgw])$/
const MAX_TOKEN = 8192

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const b64url = (bytes: ArrayBuffer): string => encodeBase64Url(bytes).replace(/=+$/, '')
const b64json = (value: object): string => b64url(encoder.encode(JSON.stringify(value)).buffer as ArrayBuffer)

/** The `kid` of a token's header, `undefined` when it has none, or `null` when the header is not JSON. */
function headerKid(token: string): string | undefined | null {
  try {
    const header = JSON.parse(decoder.decode(decodeBase64Url(token.slice(0, token.indexOf('.'))))) as unknown
    if (typeof header !== 'object' || header === null) return null
    const kid = (header as { kid?: unknown }).kid
    if (kid === undefined) return undefined
    return typeof kid === 'string' ? kid : null
  } catch {
    return null
  }
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 128

// At most MAX_ROLES roles ride in a token, each 1 to MAX_ROLE_LENGTH characters (src/domain/roles.ts,
// which the admin routes enforce too).
export { MAX_ROLE_LENGTH, MAX_ROLES }

const isRoles = (v: unknown): v is string[] =>
  Array.isArray(v) &&
  v.length <= MAX_ROLES &&
  v.every((r) => typeof r === 'string' && r.length > 0 && r.length <= MAX_ROLE_LENGTH)

/** `header.payload.signature`, the header naming the algorithm and the key: `{alg, typ, kid}`. */
async function signJwt(
  payload: object,
  signing: VerifyingKey & { readonly signKey: { get(): CryptoKey | Promise<CryptoKey> } },
): Promise<string> {
  const header = b64json({ alg: signing.alg, typ: 'JWT', kid: signing.kid })
  const body = b64json(payload)
  const input = `${header}.${body}`
  const signature = await crypto.subtle.sign(
    signParams(signing.alg),
    await signing.signKey.get(),
    encoder.encode(input),
  )
  return `${input}.${b64url(signature)}`
}

/**
 * Access tokens (HS256, EdDSA or ES256), verified with `hono/jwt`, wrapped to meet
 * docs/security.md. Tokens carry a `kid`; the keys (the one that signs, and the previous secrets or
 * public keys, which only verify) are made once, starting at creation (`keyInFlight`), and found by
 * `kid` with one map lookup; each key verifies only its own algorithm. An HS256 token without a
 * `kid` (signed before tokens had one) is checked with the current secret; an unknown `kid` is
 * invalid without any check. Nothing else in the header is looked at: a `jku`, `x5u` or `jwk` is
 * never fetched or used.
 * `verify` lets Hono check the header (the key's algorithm pinned, no `crit`) and the signature with every
 * claim check switched off, then checks the claims itself with leeway against the Clock: so the
 * signature is checked before any claim is believed, and Hono's messages (which embed the token)
 * never escape. Verified token strings are remembered until they expire, so a client's repeated
 * requests with the same token cost a map lookup.
 */
export function createAccessTokens(opts: AccessTokenOptions): AccessTokens {
  const alg = opts.alg ?? 'HS256'
  const ring = keyInFlight(() =>
    keyRing(
      alg === 'HS256'
        ? { alg, secret: opts.secret, previousSecrets: opts.previousSecrets ?? [] }
        : { alg, privateKey: opts.privateKey ?? '', previousPublicKeys: opts.previousPublicKeys },
    ),
  )
  const leeway = Math.min(opts.leeway ?? 30, 60)
  // The JWT edge: claims are whole seconds since the epoch.
  const ttl = Math.floor(opts.ttl / 1000)
  // Token strings already verified, with their claims, until they expire. Only the exact string
  // verified is ever found, so a tampered token always misses and takes the full check.
  const cacheSize = opts.cacheSize ?? 10_000
  const cache = new BoundedExpiringMap<string, AccessClaims>(cacheSize)

  const checkClaims = (payload: unknown, nowS: number): AccessVerdict => {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
      return { valid: false, reason: 'invalid' }
    const p = payload as Record<string, unknown>
    if (!isId(p.sub) || !isId(p.sid) || !isFiniteNumber(p.iat) || !isFiniteNumber(p.exp) || p.exp <= 0) {
      return { valid: false, reason: 'invalid' }
    }
    if (p.nbf !== undefined && (!isFiniteNumber(p.nbf) || p.nbf > nowS + leeway))
      return { valid: false, reason: 'invalid' }
    if (p.iat > nowS + leeway) return { valid: false, reason: 'invalid' }
    // No token this service signs lives longer than its TTL: a later `exp` (1e300, a forged
    // lifetime under a leaked key, a TTL since shortened) is refused, which also keeps every
    // expiry this service formats within a Date's range.
    if (p.exp > p.iat + ttl + leeway) return { valid: false, reason: 'invalid' }
    if (opts.issuer !== undefined && p.iss !== opts.issuer) return { valid: false, reason: 'invalid' }
    if (opts.audience !== undefined && p.aud !== opts.audience) return { valid: false, reason: 'invalid' }
    // Tokens signed before they carried roles have none; anything but a short list of short strings is refused.
    if (p.roles !== undefined && !isRoles(p.roles)) return { valid: false, reason: 'invalid' }
    const roles = Object.freeze([...((p.roles as string[] | undefined) ?? [])])
    const claims: AccessClaims = { sub: p.sub as UserId, sid: p.sid as SessionId, roles, iat: p.iat, exp: p.exp }
    return claims.exp + leeway <= nowS ? { valid: false, reason: 'expired', claims } : { valid: true, claims }
  }

  return {
    async issue({ userId, sessionId, roles }, now, notAfter) {
      const iat = epochSeconds(now)
      const exp = notAfter === undefined ? iat + ttl : Math.min(iat + ttl, epochSeconds(notAfter))
      const payload = {
        sub: userId,
        sid: sessionId,
        roles: [...roles],
        iat,
        exp,
        ...(opts.issuer !== undefined && { iss: opts.issuer }),
        ...(opts.audience !== undefined && { aud: opts.audience }),
      }
      return { token: await signJwt(payload, (await ring.get()).signing), expiresAt: fromEpochSeconds(exp) }
    },

    async verify(token, now) {
      const nowS = now / 1000
      const known = cache.get(token, now)
      if (known) {
        return known.exp + leeway <= nowS
          ? { valid: false, reason: 'expired', claims: known }
          : { valid: true, claims: known }
      }
      if (token.length > MAX_TOKEN || !SHAPE.test(token)) return { valid: false, reason: 'invalid' }
      const kid = headerKid(token)
      if (kid === null) return { valid: false, reason: 'invalid' }
      const keys = await ring.get()
      // Only HS256 tokens ever went without a `kid`; an asymmetric key always names itself.
      const signer = kid === undefined ? (keys.jwks === null ? keys.signing : undefined) : keys.byKid.get(kid)
      if (!signer) return { valid: false, reason: 'invalid' }
      let payload: unknown
      try {
        payload = await verify(token, await signer.key.get(), { alg: signer.alg, exp: false, nbf: false, iat: false })
      } catch {
        return { valid: false, reason: 'invalid' }
      }
      const verdict = checkClaims(payload, nowS)
      if (verdict.valid && cacheSize > 0)
        cache.set(token, verdict.claims, fromEpochSeconds(verdict.claims.exp + leeway), now)
      return verdict
    },

    async publicKeys() {
      return (await ring.get()).jwks
    },
  }
}

import { decodeBase64Url, encodeBase64Url } from 'hono/utils/encode'
import type { RefreshTokens } from '../../application/ports.js'
import type { SessionId } from '../../domain/session.js'
import { generation as asGeneration } from '../../domain/units.js'
import { deriveHmacKey, keyInFlight } from './hmac-key.js'

const encoder = new TextEncoder()
// The MAC is 32 bytes, 43 base64url characters whose last one has two unused bits: only the
// canonical spelling is accepted, so a token has exactly one valid form.
const TOKEN = /^([A-Za-z0-9_-]{16,64})\.(0|[1-9][0-9]{0,8})\.([A-Za-z0-9_-]{42}[AEIMQUYcgkosw048])$/

// `encode` always answers a fresh, unshared buffer; some lib versions type it as ArrayBufferLike.
const message = (sessionId: string, generation: number): Uint8Array<ArrayBuffer> =>
  encoder.encode(`rt1.${sessionId}.${generation}`) as Uint8Array<ArrayBuffer>

/**
 * The HKDF info of the MAC key. With an issuer or audience configured it names them, so a token
 * made by another service that shares the secret and the store (another `iss`/`aud`) never opens
 * here; without either it stays the plain v1 info, so existing tokens keep working.
 */
const macInfo = (issuer: string | undefined, audience: string | undefined): string =>
  issuer === undefined && audience === undefined
    ? 'refresh-token-mac v1'
    : `refresh-token-mac v1\u0000${JSON.stringify([issuer ?? null, audience ?? null])}`

/**
 * Refresh tokens `sid.generation.mac`, `mac = HMAC-SHA256(refreshKey, sid ‖ generation)` (256 bits).
 * The key is derived from the server secret with HKDF, apart from the JWT key, and bound to the
 * configured issuer and audience. The MAC needs no
 * store read, so a rotation is one store round trip and a forged token never reaches the store;
 * the store keeps the generation only, from which no token can be computed without the key.
 */
export function createRefreshTokens(
  secret: string,
  scope: { readonly issuer?: string | undefined; readonly audience?: string | undefined } = {},
  previousSecrets: readonly string[] = [],
): RefreshTokens {
  const info = macInfo(scope.issuer, scope.audience)
  const key = keyInFlight(() => deriveHmacKey(secret, info))
  // Keys of `JWT_PREVIOUS_SECRETS`: tried in turn (at most 5, settings.ts) only when the current
  // key does not open a token, so a token made before a rotation rotates into one under the new key.
  const previous = previousSecrets.map((s) => keyInFlight(() => deriveHmacKey(s, info)))
  return {
    async issue(sessionId, generation) {
      const mac = await crypto.subtle.sign('HMAC', await key.get(), message(sessionId, generation))
      return `${sessionId}.${generation}.${encodeBase64Url(mac).replace(/=+$/, '')}`
    },
    async open(token) {
      const m = token.length <= 160 ? TOKEN.exec(token) : null
      if (!m) return null
      const [, sessionId, gen, mac] = m as unknown as [string, string, string, string]
      const generation = asGeneration(Number(gen))
      let signature: Uint8Array<ArrayBuffer>
      try {
        signature = decodeBase64Url(mac) as Uint8Array<ArrayBuffer>
      } catch {
        return null
      }
      // crypto.subtle.verify compares in constant time.
      const signed = message(sessionId, generation)
      for (const k of [key, ...previous]) {
        if (await crypto.subtle.verify('HMAC', await k.get(), signature, signed)) {
          return { sessionId: sessionId as SessionId, generation }
        }
      }
      return null
    },
  }
}

import { encodeBase64Url } from 'hono/utils/encode'
import type { TokenMint } from '../../application/ports.js'
import type { UserId } from '../../domain/user.js'

// 32 random bytes are 43 base64url characters; user ids are 16 to 64 of the same alphabet.
const TOKEN_SHAPE = /^([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/

const hex = (bytes: ArrayBuffer): string =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('')

/** Hex SHA-256 of the secret: a hash suffices, since the secret has 256 random bits (no guessing). */
const digestOf = async (secret: string): Promise<string> =>
  hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(secret)))

/**
 * Account tokens `<userId>.<secret>`: the user id routes the lookup to the one place that user's
 * tokens live (a Redis slot, a Durable Object), so a consume is one atomic step there; the secret
 * is 256 bits from the platform CSPRNG, and only its SHA-256 is ever stored. No key is involved,
 * so rotating `JWT_SECRET` never voids a link in a mail.
 */
export const accountTokenMint: TokenMint = {
  async mint(userId: UserId) {
    const secret = encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)).buffer).replace(/=+$/, '')
    return { token: `${userId}.${secret}`, digest: await digestOf(secret) }
  },
  async open(token: string) {
    const m = TOKEN_SHAPE.exec(token)
    if (!m) return null
    return { userId: m[1] as UserId, digest: await digestOf(m[2] as string) }
  },
}

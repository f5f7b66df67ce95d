const encoder = new TextEncoder()

/** Imports an HMAC-SHA-256 key once; per-request imports cost a third of the throughput. */
export const importHmacKey = (secret: string): Promise<CryptoKey> =>
  crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])

/**
 * A key imported once. The import starts at creation, so a factory can be synchronous and no
 * request imports a key; `get` answers the key at once when it is ready or waits for that one
 * import. Where the runtime refuses crypto at creation (a Worker's global scope), the failed
 * start is not kept: the first `get` imports instead, once. A failed import is reported to its
 * callers and retried by the next one, never left unhandled.
 */
export function keyInFlight<K = CryptoKey>(load: () => Promise<K>): { get(): K | Promise<K> } {
  let key: K | undefined
  let importing: Promise<K> | undefined
  const start = (): Promise<K> => {
    const attempt = load().then(
      (k) => {
        key = k
        return k
      },
      (err: unknown) => {
        if (importing === attempt) importing = undefined
        throw err
      },
    )
    importing = attempt
    return attempt
  }
  try {
    start().catch(() => {})
  } catch {
    importing = undefined
  }
  return { get: () => key ?? importing ?? start() }
}

/** Derives an independent HMAC-SHA-256 key from the configured secret with HKDF. */
export async function deriveHmacKey(secret: string, info: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey'])
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode('hono-cookie-auth'), info: encoder.encode(info) },
    base,
    { name: 'HMAC', hash: 'SHA-256', length: 256 },
    false,
    ['sign', 'verify'],
  )
}

/**
 * The `kid` of an HS256 key: 16 base64url characters (96 bits) of a SHA-256 of the secret under a
 * label of its own, so tokens name the key that signed them without saying anything of it.
 */
export async function keyIdOf(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(`hono-cookie-auth kid v1\u0000${secret}`))
  return btoa(String.fromCharCode(...new Uint8Array(digest).slice(0, 12)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
}

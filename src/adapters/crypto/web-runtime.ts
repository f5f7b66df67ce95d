import { encodeBase64Url } from 'hono/utils/encode'
import type { Clock, Random } from '../../application/ports.js'
import { instant } from '../../domain/units.js'

/** The wall clock. */
export const systemClock: Clock = { now: () => instant(Date.now()) }

/** 128-bit identifiers from the platform CSPRNG, base64url (22 characters). */
export const webRandom: Random = {
  id() {
    const bytes = crypto.getRandomValues(new Uint8Array(16))
    return encodeBase64Url(bytes.buffer).replace(/=+$/, '')
  },
}

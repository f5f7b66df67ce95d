import { timingSafeEqual } from 'node:crypto'

/**
 * Password hashes moved in from another system (`importUsers`): bcrypt and argon2id, which the
 * hasher verifies, never makes; a successful login rehashes to scrypt. Both libraries are pure
 * JavaScript, so they run on Node and in workerd (which refuses to compile WebAssembly at run
 * time), and are loaded at the first legacy hash rather than at the start. Being JavaScript, they
 * run on the thread that serves requests (Node's event loop, the isolate), not in Node's thread
 * pool as scrypt does, so their cost is bounded tighter than scrypt's (`withinWorkerLimits`): one
 * check takes about 0.3 s at most. A hash beyond the bounds is refused at import and fails a login
 * without running. Measured on Node (bench/legacy-hashes.ts): bcrypt cost 12 about 0.24 s,
 * argon2id m=19456,t=2,p=1 about 0.17 s, and the largest argon2id allowed (m·t = 64 MiB) about
 * 0.3 s. The hasher also runs them one at a time on Node and charges them by `legacyWeight` on
 * Workers (src/adapters/crypto/scrypt-hasher.ts).
 */

/** bcrypt's cost (log2 of its rounds): 4 is the least bcrypt allows; 12 measured about 0.24 s. */
export const BCRYPT_COST = { min: 4, max: 12 } as const

/**
 * argon2id's bounds: memory in KiB (64 MiB fits a Worker isolate's 128 MiB), passes, lanes, and
 * the work `m·t`, which sets the time (pure JS runs the lanes one after another): 64 MiB·passes,
 * one pass over 64 MiB or two over 32 MiB, is the most (about 0.3 s). OWASP's settings (m=19456
 * t=2, m=12288 t=3, m=47104 t=1 and the others) fit; RFC 9106's second recommended setting and
 * the defaults of node-argon2, argon2-cffi (64 MiB, t=3) and PHP (64 MiB, t=4) do not.
 */
export const ARGON2ID_LIMITS = { maxMemoryKiB: 64 * 1024, maxPasses: 10, maxLanes: 16, maxWork: 64 * 1024 } as const

export interface Argon2idParams {
  /** Memory in KiB. */
  readonly m: number
  readonly t: number
  readonly p: number
}

/** Whether argon2id parameters are within `ARGON2ID_LIMITS` (and argon2's own `m ≥ 8·p`). */
export const withinArgon2idLimits = ({ m, t, p }: Argon2idParams): boolean =>
  Number.isInteger(m) &&
  Number.isInteger(t) &&
  Number.isInteger(p) &&
  p >= 1 &&
  p <= ARGON2ID_LIMITS.maxLanes &&
  t >= 1 &&
  t <= ARGON2ID_LIMITS.maxPasses &&
  m >= 8 * p &&
  m <= ARGON2ID_LIMITS.maxMemoryKiB &&
  m * t <= ARGON2ID_LIMITS.maxWork

export type LegacyHash =
  | {
      readonly scheme: 'bcrypt'
      readonly cost: number
      /** `$2?$NN$` and the 22-character salt: what bcrypt is given to hash again. */
      readonly setting: string
      /** The 31 characters of the hash proper. */
      readonly digest: string
    }
  | { readonly scheme: 'argon2id'; readonly params: Argon2idParams; readonly salt: Buffer; readonly hash: Buffer }

const BCRYPT = /^(\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/
// PHC: version 19 only (0x13, the RFC's), no `keyid` or `data`, decimal parameters without
// leading zeros, a salt of 8 to 64 bytes and a hash of 16 to 64, base64 without padding.
const ARGON2ID =
  /^\$argon2id\$v=19\$m=([1-9]\d{0,5}),t=([1-9]\d?),p=([1-9]\d?)\$([A-Za-z0-9+/]{11,86})\$([A-Za-z0-9+/]{22,86})$/

/** Reads a bcrypt or argon2id hash; null when it is neither, or its cost is out of bounds. */
export function parseLegacyHash(stored: string): LegacyHash | null {
  const b = BCRYPT.exec(stored)
  if (b) {
    const cost = Number(b[2])
    if (cost < BCRYPT_COST.min || cost > BCRYPT_COST.max) return null
    return { scheme: 'bcrypt', cost, setting: b[1] as string, digest: b[3] as string }
  }
  const a = ARGON2ID.exec(stored)
  // A base64 text of 4k+1 characters encodes no whole number of bytes.
  if (!a || (a[4] as string).length % 4 === 1 || (a[5] as string).length % 4 === 1) return null
  const params = { m: Number(a[1]), t: Number(a[2]), p: Number(a[3]) }
  if (!withinArgon2idLimits(params)) return null
  return {
    scheme: 'argon2id',
    params,
    salt: Buffer.from(a[4] as string, 'base64'),
    hash: Buffer.from(a[5] as string, 'base64'),
  }
}

/**
 * What one check costs, in OWASP scrypt derivations (about 0.14 s on Node, `OWASP_SCRYPT`), and
 * never less than one: bcrypt cost 11 (about 0.12 s) and argon2id at 32 MiB·passes (about 0.15 s)
 * each count as one, so the most allowed of either counts as two. What the Workers start budget
 * charges for it.
 */
export const legacyWeight = (parsed: LegacyHash): number =>
  Math.max(1, parsed.scheme === 'bcrypt' ? 2 ** (parsed.cost - 11) : (parsed.params.m * parsed.params.t) / (32 * 1024))

/** A module promise kept once it loads; a failed load is tried again next time. */
function lazily<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined
  return () => {
    loading ??= load().catch((err: unknown) => {
      loading = undefined
      throw err
    })
    return loading
  }
}

const bcryptjs = lazily(() => import('bcryptjs'))
const nobleArgon2 = lazily(() => import('@noble/hashes/argon2.js'))

/** Equal-length buffers compared in constant time; unequal lengths are simply unequal. */
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b)

/**
 * Whether `password` matches the hash: derived again with the stored salt and cost, then compared
 * in constant time. A library's refusal (an input it will not take) is false, never an error.
 */
export async function verifyLegacy(parsed: LegacyHash, password: string): Promise<boolean> {
  if (parsed.scheme === 'bcrypt') {
    const { hash } = await bcryptjs()
    let again: string
    try {
      // bcryptjs' async form yields to the event loop every 100 ms; it reads 72 bytes at most, as bcrypt does.
      again = await hash(password, parsed.setting)
    } catch {
      return false
    }
    return sameBytes(Buffer.from(again.slice(parsed.setting.length)), Buffer.from(parsed.digest))
  }
  const { argon2idAsync } = await nobleArgon2()
  const { m, t, p } = parsed.params
  let again: Uint8Array
  try {
    again = await argon2idAsync(password, parsed.salt, {
      m,
      t,
      p,
      dkLen: parsed.hash.length,
      maxmem: ARGON2ID_LIMITS.maxMemoryKiB * 1024,
    })
  } catch {
    return false
  }
  return sameBytes(again, parsed.hash)
}

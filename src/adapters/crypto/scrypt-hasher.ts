import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import type { HasherLease, PasswordHasher } from '../../application/ports.js'
import { UnavailableError } from '../../domain/errors.js'
import { seconds } from '../../domain/units.js'
import { createGate } from './gate.js'
import { type LegacyHash, legacyWeight, parseLegacyHash, verifyLegacy } from './legacy-hashes.js'
import { createStartBudget, type StartRate } from './start-budget.js'

export interface ScryptParams {
  /** log2 of the cost N. */
  readonly ln: number
  readonly r: number
  readonly p: number
}

/** OWASP's scrypt equivalent (N=2^14, r=8, p=5): 16 MiB, which also fits a Worker isolate. */
export const OWASP_SCRYPT: ScryptParams = { ln: 14, r: 8, p: 5 }

/**
 * The Worker's KDF budget per isolate (src/worker.ts). workerd runs scrypt on the isolate's own
 * thread, 0.15-0.33 s per OWASP derivation measured, and answers nothing else meanwhile. One start
 * a second keeps a flooded isolate at most a third busy with scrypt; two at once let a login follow
 * a registration straight away. bench/worker-health-burst.ts measured 2 a second as well: `/health`
 * during a flood then stalled up to about 0.8 s, against about 0.5 s at 1.
 */
export const WORKERS_KDF_START_RATE: StartRate = { perSecond: 1, burst: 2 }

/**
 * The Workers-safe ceiling: N·r·p at most 2^20 and at most 32 MiB of memory (128·N·r bytes).
 * Also N < 2^(16·r) (RFC 7914), which scrypt itself demands: a row beyond it would throw, not fail.
 */
export const withinWorkerLimits = ({ ln, r, p }: ScryptParams): boolean =>
  Number.isInteger(ln) &&
  Number.isInteger(r) &&
  Number.isInteger(p) &&
  ln >= 1 &&
  ln <= 20 &&
  ln < 16 * r &&
  r >= 1 &&
  r <= 32 &&
  p >= 1 &&
  p <= 16 &&
  2 ** ln * r * p <= 2 ** 20 &&
  128 * 2 ** ln * r <= 32 * 1024 * 1024

const KEY_LENGTH = 32
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{22,88})\$([A-Za-z0-9+/]{43,88})$/
const b64 = (buf: Buffer): string => buf.toString('base64').replace(/=+$/, '')

const derive = (password: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const N = 2 ** params.ln
    // OpenSSL counts the p blocks of 128·r bytes besides the 128·r·N table; room for both, doubled.
    const maxmem = 256 * params.r * (N + params.p + 2)
    scrypt(password, salt, length, { N, r: params.r, p: params.p, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    )
  })

interface Parsed {
  params: ScryptParams
  salt: Buffer
  hash: Buffer
}

/** Reads a stored PHC string; parameters outside the Worker limits (a tampered row) are refused. */
function parse(stored: string): Parsed | null {
  const m = PHC.exec(stored)
  if (!m) return null
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) }
  if (!withinWorkerLimits(params)) return null
  return { params, salt: Buffer.from(m[4] as string, 'base64'), hash: Buffer.from(m[5] as string, 'base64') }
}

/**
 * Whether the hasher can verify `stored`: scrypt within `withinWorkerLimits`, or an imported
 * bcrypt or argon2id hash within its bounds (`parseLegacyHash`). What `importUsers` admits.
 */
export const acceptsStoredHash = (stored: string): boolean => parse(stored) !== null || parseLegacyHash(stored) !== null

export interface ScryptHasherOptions {
  readonly params?: ScryptParams
  /** KDF runs at once; Node's thread pool has four threads by default. */
  readonly maxConcurrent?: number
  /** Runs allowed to wait; beyond it a request gets 503 `overloaded` at once. */
  readonly maxQueue?: number
  /**
   * Bounds how fast derivations start instead of how many run at once, for runtimes where the KDF
   * blocks its thread (Workers: `WORKERS_KDF_START_RATE`). Beyond it, 503 `overloaded` at once.
   * An imported hash's check is charged its `legacyWeight` in derivations.
   */
  readonly startRate?: StartRate
  /**
   * Imported-hash checks waiting behind the one that runs. They run on the serving thread (Node's
   * event loop, not its thread pool), so one at a time, in the slot their login holds; beyond the
   * queue a login gets 503 `overloaded`. Default 2, which leaves a slot of Node's four for scrypt.
   */
  readonly maxLegacyQueue?: number
  /** The start budget's clock in milliseconds; `Date.now` unless a test passes a fake one. */
  readonly now?: () => number
  /** Checks an imported hash: `verifyLegacy`, unless a test holds it to watch the bounds. */
  readonly verifyLegacy?: (parsed: LegacyHash, password: string) => Promise<boolean>
}

const overloaded = () => new UnavailableError('overloaded', seconds(1))

/** Takes a slot; the settle function reports the work done in it, in derivations. */
function slotSource(opts: ScryptHasherOptions): () => Promise<(work: number) => void> {
  if (opts.startRate) {
    const budget = createStartBudget(
      opts.startRate,
      opts.now ?? Date.now,
      (retryAfter) => new UnavailableError('overloaded', seconds(retryAfter)),
    )
    return async () => budget.take()
  }
  const gate = createGate(opts.maxConcurrent ?? 4, opts.maxQueue ?? 64, overloaded)
  return async () => {
    const done = await gate.acquire()
    return () => done()
  }
}

/**
 * Passwords with `node:crypto` scrypt, off the event loop, stored as
 * `$scrypt$ln=14,r=8,p=5$<salt>$<hash>`. Imported bcrypt and argon2id hashes verify too
 * (src/adapters/crypto/legacy-hashes.ts) and always need a rehash. KDF work is bounded (by
 * concurrency, or on Workers by start rate) so a login flood cannot starve the thread pool, memory
 * or the isolate; imported-hash checks, which run on the serving thread, also one at a time on
 * Node and by their weight on Workers. What does not fit is refused with `UnavailableError`.
 */
export function createScryptHasher(opts: ScryptHasherOptions = {}): PasswordHasher {
  const params = opts.params ?? OWASP_SCRYPT
  if (!withinWorkerLimits(params)) throw new Error('scrypt parameters exceed N·r·p ≤ 2^20 or 32 MiB')
  const acquire = slotSource(opts)
  // Imported-hash checks run on the serving thread: one at a time (in workerd too, where bcryptjs
  // yields between rounds and two could interleave), a few waiting, 503 beyond.
  const legacyTurn = createGate(1, opts.maxLegacyQueue ?? 2, overloaded)
  const checkLegacy = opts.verifyLegacy ?? verifyLegacy
  const dummy = `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(randomBytes(16))}$${b64(randomBytes(KEY_LENGTH))}`

  const reserve = async (): Promise<HasherLease> => {
    const settle = await acquire()
    let work = 0
    let open = true
    /** Runs a derivation of `weight` (in scrypt derivations) in the slot, counted for `settle`. */
    const inSlot = <T>(task: () => Promise<T>, weight = 1): Promise<T> => {
      if (!open) return Promise.reject(new Error('the KDF lease was already released'))
      work += weight
      return task()
    }
    /**
     * An imported bcrypt or argon2id hash (`needsRehash` is true for it): the password, then the
     * password as typed if it differs and the first did not match, at most two checks, both in
     * the one legacy turn and each charged its weight.
     */
    const checkImported = (parsed: LegacyHash, password: string, asTyped: string | undefined): Promise<boolean> =>
      legacyTurn.run(async () => {
        const weight = legacyWeight(parsed)
        if (await inSlot(() => checkLegacy(parsed, password), weight)) return true
        return asTyped !== undefined && asTyped !== password && inSlot(() => checkLegacy(parsed, asTyped), weight)
      })
    const check = async (stored: string, password: string, asTyped?: string): Promise<boolean> => {
      const parsed = parse(stored)
      if (!parsed) {
        const imported = parseLegacyHash(stored)
        return imported ? checkImported(imported, password, asTyped) : false
      }
      const actual = await inSlot(() => derive(password, parsed.salt, parsed.params, parsed.hash.length))
      return timingSafeEqual(actual, parsed.hash)
    }
    return {
      async hash(password) {
        const salt = randomBytes(16)
        const key = await inSlot(() => derive(password, salt, params, KEY_LENGTH))
        return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`
      },
      verify: check,
      async verifyDummy(password) {
        await check(dummy, password)
      },
      release() {
        if (open) {
          open = false
          settle(work)
        }
      },
    }
  }

  /** One piece of work in a slot of its own. */
  const once = async <T>(work: (lease: HasherLease) => Promise<T>): Promise<T> => {
    const lease = await reserve()
    try {
      return await work(lease)
    } finally {
      lease.release()
    }
  }

  return {
    reserve,
    hash: (password) => once((l) => l.hash(password)),
    verify: (stored, password) => once((l) => l.verify(stored, password)),
    verifyDummy: (password) => once((l) => l.verifyDummy(password)),
    accepts: acceptsStoredHash,
    needsRehash(stored) {
      const parsed = parse(stored)
      return !parsed || parsed.params.ln !== params.ln || parsed.params.r !== params.r || parsed.params.p !== params.p
    },
  }
}

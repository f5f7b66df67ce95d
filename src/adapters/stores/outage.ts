import { UnavailableError } from '../../domain/errors.js'
import { seconds } from '../../domain/units.js'

/** How long a call to a remote store without a timeout of its own (RPC, KV) may take (ms). */
export const DEFAULT_STORE_TIMEOUT_MS = 3000

/**
 * The `Retry-After` of every store's 503, by why the store cannot serve. Only here:
 * - `unreachable`: the backend did not answer, or too late (connection lost, a timeout, a
 *   failover, a rotation past its deadline); it is usually back within a few seconds.
 * - `full`: a bounded store (memory) holds as many live entries as it may; room comes back only
 *   as they expire, so retrying sooner would only be refused again.
 */
export const STORE_RETRY_AFTER = { unreachable: seconds(5), full: seconds(60) } as const

export type StoreOutage = keyof typeof STORE_RETRY_AFTER

/** The error a store throws when it cannot serve: 503 `store_unavailable`, no cookie touched. */
export const storeUnavailable = (why: StoreOutage, cause?: unknown): UnavailableError =>
  new UnavailableError('store_unavailable', STORE_RETRY_AFTER[why], cause === undefined ? undefined : { cause })

/** No answer in time: an outage whatever the backend's classifier says. */
class StoreTimeout extends Error {
  override readonly name = 'StoreTimeout'
}

/** What differs between backends when a call fails. */
export interface OutageRules {
  /** No answer within this many ms is an outage (for clients without a timeout of their own). */
  readonly timeoutMs?: number
  /**
   * Which rejections mean the backend cannot serve (Redis: `isConnectionError`); any other is a
   * bug and propagates unchanged (a 500). Without it, every rejection is an outage: a stub that
   * broke, an exception in a Durable Object and a failed KV call look alike from here.
   */
  readonly isOutage?: (err: unknown) => boolean
}

/**
 * Runs one store call. An outage (see `OutageRules`) becomes `storeUnavailable('unreachable')`,
 * which the HTTP adapter answers with 503 and `Retry-After`, touching no cookie; an
 * `UnavailableError` thrown inside passes through as it is. A call that times out is not
 * cancelled: it may still run (see the rotation deadlines).
 */
export async function guarded<T>(op: () => Promise<T>, rules: OutageRules = {}): Promise<T> {
  const { timeoutMs, isOutage = () => true } = rules
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    if (timeoutMs === undefined) return await op()
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreTimeout(`store call took longer than ${timeoutMs} ms`)), timeoutMs)
    })
    return await Promise.race([op(), timeout])
  } catch (cause) {
    if (cause instanceof UnavailableError) throw cause
    // A timeout is always an outage, whatever the classifier says of other errors.
    if (cause instanceof StoreTimeout || isOutage(cause)) throw storeUnavailable('unreachable', cause)
    throw cause
  } finally {
    clearTimeout(timer)
  }
}

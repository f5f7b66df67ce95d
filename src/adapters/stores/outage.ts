import { UnavailableError } from '../../domain/errors.js'

/** How long a store call may take before the request gets 503 instead of hanging (ms). */
export const DEFAULT_STORE_TIMEOUT_MS = 3000
/** `Retry-After` sent while a store is unreachable (seconds). */
export const STORE_RETRY_AFTER = 5

/**
 * Runs one call to a remote store. A rejection (the backend threw, the stub broke, the network
 * failed) or no answer within `timeoutMs` becomes `UnavailableError('store_unavailable')`, which
 * the HTTP adapter answers with 503 and `Retry-After`, touching no cookie.
 */
export async function guarded<T>(op: () => Promise<T>, timeoutMs = DEFAULT_STORE_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`store call took longer than ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([op(), timeout])
  } catch (cause) {
    if (cause instanceof UnavailableError) throw cause
    throw new UnavailableError('store_unavailable', STORE_RETRY_AFTER, { cause })
  } finally {
    clearTimeout(timer)
  }
}

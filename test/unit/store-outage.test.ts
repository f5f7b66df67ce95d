import { afterEach, describe, expect, it, vi } from 'vitest'
import { guarded, STORE_RETRY_AFTER, storeUnavailable } from '../../src/adapters/stores/outage.js'
import { UnavailableError } from '../../src/domain/errors.js'

const outage = { name: 'UnavailableError', code: 'store_unavailable', retryAfter: STORE_RETRY_AFTER.unreachable }

describe('guarded: the one outage wrapper of every store', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('passes an answer through', async () => {
    expect(await guarded(async () => 42, { timeoutMs: 100 })).toBe(42)
    expect(await guarded(async () => 42)).toBe(42)
  })

  it('without a classifier, any rejection is an outage, keeping its cause', async () => {
    const cause = new Error('stub broke')
    const err = await guarded(() => Promise.reject(cause), { timeoutMs: 100 }).catch((e) => e)
    expect(err).toBeInstanceOf(UnavailableError)
    expect(err).toMatchObject(outage)
    expect(err.cause).toBe(cause)
  })

  it('with a classifier, only the errors it names are outages; the rest stay bugs', async () => {
    const isOutage = (e: unknown) => e instanceof Error && e.message === 'down'
    await expect(guarded(() => Promise.reject(new Error('down')), { isOutage })).rejects.toMatchObject(outage)
    const bug = new Error('WRONGTYPE')
    await expect(guarded(() => Promise.reject(bug), { isOutage })).rejects.toBe(bug)
  })

  it('turns no answer within timeoutMs into an outage, whatever the classifier says', async () => {
    vi.useFakeTimers()
    const never = guarded(() => new Promise<never>(() => {}), { timeoutMs: 3000, isOutage: () => false })
    const settled = never.catch((e) => e)
    await vi.advanceTimersByTimeAsync(2999)
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(await settled).toMatchObject(outage)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('leaves an UnavailableError thrown inside as it is (a full store keeps its Retry-After)', async () => {
    const full = storeUnavailable('full')
    await expect(guarded(() => Promise.reject(full), { timeoutMs: 100 })).rejects.toBe(full)
    expect(full.retryAfter).toBe(STORE_RETRY_AFTER.full)
  })

  it('clears its timer once the call has answered', async () => {
    vi.useFakeTimers()
    await guarded(async () => 'ok', { timeoutMs: 3000 })
    expect(vi.getTimerCount()).toBe(0)
  })
})

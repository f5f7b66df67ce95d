import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { type AuthStoreNamespace, createDurableObjectStores } from '../../src/adapters/stores/durable-object/index.js'
import { UnavailableError } from '../../src/domain/errors.js'
import type { RotationPolicy } from '../../src/domain/session.js'
import { millis } from '../../src/domain/units.js'
import { aSession, at, gen } from '../support/fixtures.js'

// Generous for a noisy machine: only the stalled rotation is meant to exceed it.
const TIMEOUT_MS = 1000
const POLICY: RotationPolicy = { graceMs: millis(500), slidingMs: millis(30 * 86_400_000) }

/**
 * The real AUTH_STORE namespace with a fault on the path: a `sessionRotate` call reaches the real
 * object only `delayMs` after it was made (a stalled network, like a frozen Redis), and is not
 * cancelled when the caller gives up. `arrivals` settle once the object has answered.
 */
function delayingRotations(delayMs: number): { ns: AuthStoreNamespace; arrivals: Promise<unknown>[] } {
  const arrivals: Promise<unknown>[] = []
  const ns = {
    idFromName: (name: string) => env.AUTH_STORE.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = env.AUTH_STORE.get(id) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>
      return new Proxy(stub, {
        get(target, prop) {
          if (typeof prop !== 'string' || prop === 'then') return undefined
          if (prop !== 'sessionRotate') return (...args: unknown[]) => target[prop]?.(...args)
          return (...args: unknown[]) => {
            const arrival = new Promise((r) => setTimeout(r, delayMs)).then(() => target.sessionRotate?.(...args))
            arrivals.push(arrival.catch(() => undefined))
            return arrival
          }
        },
      })
    },
  }
  return { ns: ns as unknown as AuthStoreNamespace, arrivals }
}

describe('durable-object store: rotation deadline', () => {
  it('ignores a rotation that reaches the object after the caller gave up: the same generation rotates later', async () => {
    const prefix = `d-${crypto.randomUUID()}/`
    const { ns, arrivals } = delayingRotations(2 * TIMEOUT_MS)
    const stalled = createDurableObjectStores(ns, { prefix, timeoutMs: TIMEOUT_MS })
    // Another isolate's adapter (default timeout) creates the session: the objects are warm after it.
    const healthy = createDurableObjectStores(env.AUTH_STORE, { prefix })
    const s = aSession(Date.now())
    await healthy.sessions.create(s)
    expect(await stalled.sessions.find(s.id, at(Date.now()))).toEqual(s)

    const sentAt = at(Date.now())
    const err = await stalled.sessions.rotate(s.id, gen(0), sentAt, POLICY).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UnavailableError)
    expect(err).toMatchObject({ code: 'store_unavailable' })
    await Promise.all(arrivals) // the stalled call has reached the real object and been answered

    // The client retries with the token it still holds, after the grace window.
    const retriedAt = at(Date.now())
    expect(retriedAt - sentAt).toBeGreaterThan(POLICY.graceMs)
    const outcome = await healthy.sessions.rotate(s.id, gen(0), retriedAt, POLICY)
    expect(outcome.kind).toBe('rotated')
    expect(outcome.kind === 'rotated' && outcome.session.generation).toBe(1)
    expect((await healthy.sessions.find(s.id, retriedAt))?.generation).toBe(1)
  })

  it('still rotates when the call arrives in time, through the same fault injector', async () => {
    const prefix = `d-${crypto.randomUUID()}/`
    const { ns } = delayingRotations(0)
    const stores = createDurableObjectStores(ns, { prefix })
    const s = aSession(Date.now())
    await stores.sessions.create(s)
    expect((await stores.sessions.rotate(s.id, gen(0), at(Date.now()), POLICY)).kind).toBe('rotated')
  })
})

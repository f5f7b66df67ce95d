import { describe, expect, it } from 'vitest'
import { createGate } from '../../src/adapters/crypto/gate.js'
import { createScryptHasher } from '../../src/adapters/crypto/scrypt-hasher.js'
import type { PasswordHasher } from '../../src/application/ports.js'
import { UnavailableError } from '../../src/domain/errors.js'
import { seconds } from '../../src/domain/units.js'
import { TestClient } from '../support/app-harness.js'
import {
  bodyOf,
  cookieHeader,
  expectProblem,
  PASSWORD,
  post,
  SEC,
  setsCookies,
  setup,
  setupInstrumented,
  signedIn,
  useHasher,
} from './helpers.js'

/** A 503 store_unavailable with Retry-After that touches no cookie. */
async function expectUnavailable(res: Response, code = 'store_unavailable'): Promise<void> {
  expect(setsCookies(res)).toBe(false)
  const retry = Number(res.headers.get('retry-after'))
  expect(Number.isInteger(retry) && retry > 0).toBe(true)
  await expectProblem(res, 503, code)
}

describe('store outage', () => {
  it('answers every store-backed request with 503 store_unavailable + Retry-After, no cookie, never 401', async () => {
    const t = await setupInstrumented()
    await signedIn(t, 'bob@example.com')
    const { client, sessionId } = await signedIn(t, 'ada@example.com')
    const jar = new Map(client.jar)
    t.store.down = true

    const anonymous = new TestClient(t.app)
    await expectUnavailable(
      await anonymous.request('/register', post({ email: 'new@example.com', password: PASSWORD })),
    )
    await expectUnavailable(await anonymous.request('/login', post({ email: 'ada@example.com', password: PASSWORD })))
    await expectUnavailable(
      await anonymous.request('/login', post({ email: 'ada@example.com', password: 'wrong password' })),
    )
    await expectUnavailable(
      await anonymous.request('/login', post({ email: 'ghost@example.com', password: 'wrong password' })),
    )
    await expectUnavailable(await client.request('/refresh', { method: 'POST' }))
    await expectUnavailable(await client.request('/logout', { method: 'POST' }))
    await expectUnavailable(await client.request('/logout-all', { method: 'POST' }))
    await expectUnavailable(await client.request('/profile'))
    await expectUnavailable(await client.request('/profile', post({ name: 'Ada' })))
    await expectUnavailable(await client.request('/sessions'))
    await expectUnavailable(await client.request(`/sessions/${sessionId}`, { method: 'DELETE' }))
    // The browser's cookies were never touched.
    expect(client.jar).toEqual(jar)
  })

  it('still admits a valid access token on GET /session', async () => {
    const t = await setupInstrumented()
    const { client, userId, sessionId } = await signedIn(t, 'ada@example.com')
    t.store.down = true
    const res = await client.request('/session')
    expect(res.status).toBe(200)
    expect(await bodyOf(res)).toMatchObject({ userId, sessionId })
    const bearer = await t.app.request('/session', {
      headers: { authorization: `Bearer ${client.jar.get('access_token')}` },
    })
    expect(bearer.status).toBe(200)
  })

  it('answers a transparent refresh with 503, not 401, and leaves the refresh cookie usable', async () => {
    const t = await setupInstrumented()
    const { client } = await signedIn(t, 'ada@example.com')
    t.clock.advance(3600 * SEC)
    t.store.down = true
    const jar = new Map(client.jar)
    await expectUnavailable(await client.request('/session'))
    await expectUnavailable(await client.request('/profile'))
    client.jar.delete('access_token')
    await expectUnavailable(await client.request('/session'))
    expect(client.jar.get('refresh_token')).toBe(jar.get('refresh_token'))

    // Back up: the very same refresh cookie works, past the grace window (nothing rotated it).
    t.store.down = false
    t.clock.advance(60 * SEC)
    const res = await client.request('/session')
    expect(res.status).toBe(200)
    expect(setsCookies(res)).toBe(true)
  })

  it('answers an invalid access token during the outage with 401 (no store needed to refuse it)', async () => {
    const t = await setupInstrumented()
    t.store.down = true
    await expectProblem(
      await t.app.request('/session', { headers: { cookie: cookieHeader({ access_token: 'a.b.c' }) } }),
      401,
      'unauthorized',
    )
  })

  it('answers GET /health with 503 and Retry-After, and recovers when the store returns', async () => {
    const t = await setupInstrumented()
    t.store.down = true
    await expectUnavailable(await t.app.request('/health'))
    t.store.down = false
    const res = await t.app.request('/health')
    expect(res.status).toBe(200)
    expect(await bodyOf(res)).toEqual({ status: 'ok', store: t.stores.health.kind })
    // And everything else works again.
    await signedIn(t, 'ada@example.com')
  })

  it('revokes nothing and keeps the session when logout fails', async () => {
    const t = await setupInstrumented()
    const { client } = await signedIn(t, 'ada@example.com')
    t.store.down = true
    await expectUnavailable(await client.request('/logout', { method: 'POST' }))
    t.store.down = false
    expect((await client.request('/refresh', { method: 'POST' })).status).toBe(200)
  })

  it('logs a store_unavailable event', async () => {
    const t = await setupInstrumented()
    t.store.down = true
    await t.client.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
    expect(t.events.some((e) => e.name === 'store_unavailable' && e.fields.path === '/login')).toBe(true)
  })
})

/** Inside workerd, node:crypto scrypt computes on the isolate's own thread: a run cannot be held open. */
const onWorkers = typeof navigator !== 'undefined' && navigator.userAgent === 'Cloudflare-Workers'

/**
 * The app's hasher behind a gate of one slot and no queue (as `createScryptHasher` bounds its
 * runs), with the slot held by a task the test finishes by hand: deterministic on every runtime.
 */
function heldGate(inner: PasswordHasher) {
  const gate = createGate(1, 0, () => new UnavailableError('overloaded', seconds(1)))
  let release = () => {}
  const held = gate.run(() => new Promise<void>((resolve) => (release = resolve)))
  const hasher: PasswordHasher = {
    hash: (p) => gate.run(() => inner.hash(p)),
    verify: (s, p) => gate.run(() => inner.verify(s, p)),
    verifyDummy: (p) => gate.run(() => inner.verifyDummy(p)),
    needsRehash: (s) => inner.needsRehash(s),
    accepts: (s) => inner.accepts(s),
    async reserve() {
      const done = await gate.acquire()
      try {
        const lease = await inner.reserve()
        return {
          ...lease,
          release: () => {
            lease.release()
            done()
          },
        }
      } catch (err) {
        done()
        throw err
      }
    },
  }
  const finish = async (): Promise<void> => {
    release()
    await held
  }
  return { hasher, release: finish }
}

describe('KDF overload', () => {
  it('answers 503 overloaded + Retry-After when the KDF gate is full, and /health stays up', async () => {
    const t = await setup()
    const { client } = await signedIn(t, 'ada@example.com')
    const gate = heldGate(t.deps.hasher)
    useHasher(t, gate.hasher)

    const anon = () => new TestClient(t.app)
    await expectUnavailable(
      await anon().request('/login', post({ email: 'ada@example.com', password: PASSWORD })),
      'overloaded',
    )
    await expectUnavailable(
      await anon().request('/login', post({ email: 'ghost@example.com', password: PASSWORD })),
      'overloaded',
    )
    await expectUnavailable(
      await anon().request('/register', post({ email: 'new@example.com', password: PASSWORD })),
      'overloaded',
    )
    expect((await t.app.request('/health')).status).toBe(200)
    // No KDF on authenticated routes: a logged-in user is not affected.
    expect((await client.request('/profile')).status).toBe(200)
    expect((await client.request('/refresh', { method: 'POST' })).status).toBe(200)
    // An overload is not a failed login: nothing was counted or logged as one.
    expect(t.events.filter((e) => e.name === 'login_failure')).toHaveLength(0)

    await gate.release()
    expect((await anon().request('/login', post({ email: 'ada@example.com', password: PASSWORD }))).status).toBe(200)
    expect((await anon().request('/register', post({ email: 'new@example.com', password: PASSWORD }))).status).toBe(201)
  })

  it.skipIf(onWorkers)('answers 503 overloaded from the real scrypt hasher bounded to one run', async () => {
    const t = await setup()
    await signedIn(t, 'ada@example.com')
    // One KDF run at a time, none queued; a slow run (on the thread pool) holds the only slot.
    const gated = createScryptHasher({ params: { ln: 14, r: 8, p: 4 }, maxConcurrent: 1, maxQueue: 0 })
    useHasher(t, gated)
    const holding = gated.hash('holds the slot')
    const res = await new TestClient(t.app).request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
    await expectUnavailable(res, 'overloaded')
    expect((await t.app.request('/health')).status).toBe(200)
    await holding
    const after = await new TestClient(t.app).request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
    expect(after.status).toBe(200)
  })
})

import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createDurableObjectStores } from '../../src/adapters/stores/durable-object/index.js'
import { createKvStores } from '../../src/adapters/stores/kv/index.js'
import type { Stores } from '../../src/application/ports.js'
import type { Email } from '../../src/domain/email.js'
import type { SessionId } from '../../src/domain/session.js'
import { millis } from '../../src/domain/units.js'
import type { UserId } from '../../src/domain/user.js'
import { makeTestApp, TestClient } from '../support/app-harness.js'
import { at, gen } from '../support/fixtures.js'
import { countingKv, countingNamespace } from './support/counting.js'
import { kvOptions } from './support/kv-options.js'

const POLICY = { graceMs: millis(10_000), slidingMs: millis(60_000) }

/**
 * KV refuses keys over 512 bytes (UTF-8), and Cloudflare documents Durable Object names only up to
 * 1,024 bytes. Nothing is ever stored under a longer key, so a lookup by an over-long id or email
 * (a URL path, a forged cookie) is "not found", answered without asking the backend: never a 503
 * and a logged outage.
 */
const OVER_LONG = [
  ['600 ASCII characters', 'a'.repeat(600)],
  ['300 two-byte characters (600 bytes, under 512 UTF-16 units)', 'é'.repeat(300)],
  ['2,000 characters', 'b'.repeat(2000)],
] as const

/** Every lookup the ports offer, by an over-long id or email: each must find nothing. */
async function expectNothingFound(stores: Stores, long: string): Promise<void> {
  const now = at(Date.now())
  expect(await stores.sessions.find(long as SessionId, now)).toBeNull()
  expect(await stores.sessions.rotate(long as SessionId, gen(0), now, POLICY)).toEqual({ kind: 'missing' })
  expect(await stores.sessions.revoke(long as SessionId)).toBeNull()
  expect(await stores.sessions.listForUser(long as UserId, now)).toEqual([])
  expect(await stores.sessions.revokeAllForUser(long as UserId, at(Date.now()))).toBe(0)
  expect(await stores.users.findById(long as UserId)).toBeNull()
  expect(await stores.users.update(long as UserId, { name: 'x' })).toBeNull()
  expect(await stores.users.findByEmail(`${long}@example.com` as Email)).toBeNull()
}

describe('over-long ids and emails are not found, without a call to the backend', () => {
  for (const [what, long] of OVER_LONG) {
    it(`on the KV store: ${what}`, async () => {
      const prefix = `ol-${crypto.randomUUID()}/`
      const { kv, calls } = countingKv(prefix)
      const stores = createKvStores(kv, kvOptions(prefix))
      await expectNothingFound(stores, long)
      expect(calls).toEqual([])
    })
  }

  it('on the Durable Object store: a name over 1,024 bytes', async () => {
    const prefix = `ol-${crypto.randomUUID()}/`
    const { ns, calls, named } = countingNamespace(prefix)
    await expectNothingFound(createDurableObjectStores(ns, { prefix }), 'é'.repeat(600))
    expect(calls).toEqual([])
    expect(named).toEqual([])
  })
})

describe('DELETE /sessions/<an over-long id> by a signed-in user', () => {
  it('is a 404 on the KV store, not a 503', async () => {
    const prefix = `ol-${crypto.randomUUID()}/`
    const stores = createKvStores(env.AUTH_KV, kvOptions(prefix))
    const { app, events } = await makeTestApp({ stores })
    const client = new TestClient(app)
    await client.signUp(`ol-${crypto.randomUUID()}@example.com`)
    const res = await client.request(`/sessions/${'a'.repeat(600)}`, { method: 'DELETE' })
    expect(res.status).toBe(404)
    expect(events.map((e) => e.name)).not.toContain('store_unavailable')
    expect((await client.request('/sessions')).status).toBe(200)
  })
})

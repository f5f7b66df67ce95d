import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createDurableObjectStores } from '../../src/adapters/stores/durable-object/index.js'
import { createKvStores, type KvLike } from '../../src/adapters/stores/kv/index.js'
import { millis } from '../../src/domain/units.js'
import { SEC } from '../support/constants.js'
import { aSession, at, gen } from '../support/fixtures.js'
import { countingKv } from './support/counting.js'

const POLICY = { graceMs: millis(10 * SEC), slidingMs: millis(30 * 86_400 * SEC) }

/**
 * KV is eventually consistent: a location may read a value up to 60 s old. Miniflare's KV is
 * consistent, so these tests make a location that is behind by serving an old value for one key.
 */
function laggingKv(stale: Map<string, string>): KvLike {
  return {
    get: async (k) => stale.get(k) ?? env.AUTH_KV.get(k),
    put: (k, v, o) => env.AUTH_KV.put(k, v, o),
    delete: (k) => env.AUTH_KV.delete(k),
    list: (o) => env.AUTH_KV.list(o),
  }
}

describe('kv store: a rotation read from a location that is behind', () => {
  it('answers missing, and revokes and writes nothing, when the token is ahead of what it reads', async () => {
    const prefix = `st-${crypto.randomUUID()}/`
    const rateLimits = createDurableObjectStores(env.AUTH_STORE, { prefix })
    const here = createKvStores(env.AUTH_KV, { rateLimits, tokens: rateLimits.tokens, prefix })
    const now = Date.now()
    const s = aSession(now)
    await here.sessions.create(s)
    const key = `${prefix}session:${s.id}`
    const before = (await env.AUTH_KV.get(key)) ?? ''
    // Rotated to generation 1 here; another location still reads generation 0.
    expect((await here.sessions.rotate(s.id, gen(0), at(now + SEC), POLICY)).kind).toBe('rotated')
    const { kv, calls } = countingKv(prefix, laggingKv(new Map([[key, before]])))
    const behind = createKvStores(kv, { rateLimits, tokens: rateLimits.tokens, prefix })

    // The client presents generation 1, which the MAC proves the server issued.
    expect(await behind.sessions.rotate(s.id, gen(1), at(now + 2 * SEC), POLICY)).toEqual({ kind: 'missing' })
    expect(calls).toEqual(['get session'])
    const after = await here.sessions.find(s.id, at(now + 2 * SEC))
    expect(after?.generation).toBe(1)
    expect(await here.sessions.listForUser(s.userId, at(now + 2 * SEC))).toHaveLength(1)
    // Once the location catches up, the same token rotates as usual.
    expect((await here.sessions.rotate(s.id, gen(1), at(now + 3 * SEC), POLICY)).kind).toBe('rotated')
  })
})

import { expect, it } from 'vitest'
import { createRedisStores } from '../../src/adapters/stores/redis/index.js'
import { INDEX_PRUNE_AFTER_MS, keySpace } from '../../src/adapters/stores/redis/keys.js'
import { SEC } from '../support/constants.js'
import { aSession, at, aUser } from '../support/fixtures.js'
import { describeRedis } from '../support/redis-server.js'
import { testPrefix, useSingleRedis } from './fixture.js'

/**
 * The per-user cap on Redis, beyond the contract: a session pushed out by its user's newer one is
 * revoked the way `revoke` does it (a tombstone, then out of the index), and dead index entries
 * that count towards the cap are pruned rather than costing a live session.
 */
describeRedis('redis per-user session cap', 'any', () => {
  const redis = useSingleRedis()
  /** A store under a prefix of its own, and a user of it. */
  const fresh = () => {
    const { client } = redis()
    const prefix = testPrefix()
    return {
      client,
      keys: keySpace(prefix),
      stores: createRedisStores(client, { prefix }),
      userId: aUser().id,
      now: Date.now(),
    }
  }

  it("tombstones the user's oldest session and takes it out of the index", async () => {
    const { client, keys, stores, userId, now } = fresh()
    const oldest = aSession(now, { userId })
    const kept = [1, 2, 3].map((i) => aSession(now + i * SEC, { userId }))
    for (const s of [oldest, ...kept]) await stores.sessions.create(s, { maxPerUser: 3 })
    expect(await client.zrange(keys.sessionIndex(userId), '0', '-1')).toEqual(kept.map((s) => s.id))
    expect(Object.keys(await client.hgetall(keys.session(oldest.id)))).toEqual(['revokedAt'])
  })

  it('prunes dead index entries first: they never cost the user a live session', async () => {
    const { client, keys, stores, userId, now } = fresh()
    const live = [aSession(now, { userId }), aSession(now + SEC, { userId })]
    for (const s of live) await stores.sessions.create(s, { maxPerUser: 3 })
    // An entry left by a create that died before writing its session, long ago.
    await client.zadd(keys.sessionIndex(userId), now - INDEX_PRUNE_AFTER_MS - SEC, 'died-before-writing-its-session')
    const newest = aSession(now + 2 * SEC, { userId })
    await stores.sessions.create(newest, { maxPerUser: 3 })
    const all = [...live, newest].map((s) => s.id)
    expect(await client.zrange(keys.sessionIndex(userId), '0', '-1')).toEqual(all)
    expect((await stores.sessions.listForUser(userId, at(now + 3 * SEC))).map((s) => s.id).sort()).toEqual(all.sort())
  })
})

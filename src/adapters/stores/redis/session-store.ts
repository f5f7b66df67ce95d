import type { SessionStore } from '../../../application/ports.js'
import type { RotateOutcome, Session, SessionId } from '../../../domain/session.js'
import type { UserId } from '../../../domain/user.js'
import { INDEX_PRUNE_AFTER_MS, type KeySpace, TOMBSTONE_TTL_MS } from './keys.js'
import { sessionFields, toSession } from './records.js'
import { pairs, type RedisLike, type Reply, type RunScript } from './scripts.js'
import { guarded } from './unavailable.js'

/**
 * Sessions in Redis. A session lives in its own slot (`sess:{id}`), so rotate, find and revoke
 * are one round trip each and rotation is one atomic script. The per-user index lives in the
 * user's slot; operations that need both (create, revoke-all, list) take one step per slot, in
 * an order that never leaves a live session outside its index:
 * - create writes the index entry first, then the session (only if its key is free);
 * - revoke-all tombstones every indexed session, then removes those entries;
 * - list drops entries of tombstones, and of absent sessions only once they are old.
 */
export function createRedisSessionStore(client: RedisLike, run: RunScript, keys: KeySpace): SessionStore {
  const indexEntries = async (userId: UserId): Promise<Array<{ id: SessionId; createdAt: number }>> => {
    const flat = await run('readIndex', keys.sessionIndex(userId), [])
    if (!Array.isArray(flat)) throw new Error('Redis readIndex: expected a list')
    const out: Array<{ id: SessionId; createdAt: number }> = []
    for (let i = 0; i + 1 < flat.length; i += 2)
      out.push({ id: String(flat[i]) as SessionId, createdAt: Number(flat[i + 1]) })
    return out
  }

  const revokeOne = async (id: SessionId, owner: UserId | ''): Promise<UserId | null> => {
    const reply = await run('revoke', keys.session(id), [owner, TOMBSTONE_TTL_MS])
    return typeof reply === 'string' ? (reply as UserId) : null
  }

  return {
    create: (session) =>
      guarded(async () => {
        await run('indexSession', keys.sessionIndex(session.userId), [
          session.id,
          session.createdAt,
          session.absoluteExpiresAt,
        ])
        await run('createSession', keys.session(session.id), [session.expiresAt, ...sessionFields(session)])
      }),

    find: (id, now) =>
      guarded(async () => {
        const session = toSession(id, await client.hgetall(keys.session(id)))
        return session && session.expiresAt > now ? session : null
      }),

    rotate: (id, from, now, policy) =>
      guarded(async () =>
        toOutcome(
          id,
          await run('rotate', keys.session(id), [from, now, policy.graceMs, policy.slidingMs, TOMBSTONE_TTL_MS]),
        ),
      ),

    revoke: (id) =>
      guarded(async () => {
        const owner = await revokeOne(id, '')
        if (owner) await client.zrem(keys.sessionIndex(owner), id)
        return owner
      }),

    revokeAllForUser: (userId) =>
      guarded(async () => {
        const entries = await indexEntries(userId)
        if (entries.length === 0) return 0
        const owners = await Promise.all(entries.map((e) => revokeOne(e.id, userId)))
        await client.zrem(keys.sessionIndex(userId), ...entries.map((e) => e.id))
        return owners.filter((o) => o === userId).length
      }),

    listForUser: (userId, now) =>
      guarded(async () => {
        const entries = await indexEntries(userId)
        const found = await Promise.all(
          entries.map(async (e) => ({ e, fields: await client.hgetall(keys.session(e.id)) })),
        )
        const live: Session[] = []
        const stale: SessionId[] = []
        for (const { e, fields } of found) {
          const session = toSession(e.id, fields)
          if (session?.userId === userId) {
            if (session.expiresAt > now) live.push(session)
          } else if (fields.revokedAt !== undefined || e.createdAt < now - INDEX_PRUNE_AFTER_MS) {
            stale.push(e.id)
          }
        }
        if (stale.length > 0) await client.zrem(keys.sessionIndex(userId), ...stale)
        return live
      }),
  }
}

/** The rotate script's reply as the port's outcome. */
function toOutcome(id: SessionId, reply: Reply): RotateOutcome {
  if (!Array.isArray(reply)) throw new Error('Redis rotate: unexpected reply')
  const [kind, body] = reply
  if (kind === 'missing') return { kind: 'missing' }
  if (kind === 'reused' && typeof body === 'string') return { kind: 'reused', userId: body as UserId }
  if (kind === 'rotated' || kind === 'grace') {
    const session = toSession(id, pairs(body ?? null))
    if (session) return { kind, session }
  }
  throw new Error(`Redis rotate: unexpected reply ${String(kind)}`)
}

import type { SessionStore } from '../../../application/ports.js'
import {
  DEFAULT_MAX_SESSIONS_PER_USER,
  isLiveAt,
  type RotateOutcome,
  type Session,
  type SessionId,
  sessionsBeyondCap,
} from '../../../domain/session.js'
import type { Instant } from '../../../domain/units.js'
import type { UserId } from '../../../domain/user.js'
import { guarded } from '../outage.js'
import { INDEX_PRUNE_AFTER_MS, type KeySpace, TOMBSTONE_TTL_MS } from './keys.js'
import { sessionFields, toSession } from './records.js'
import { DEFAULT_ROTATION_TIMING, deadlineRotation, type RotationTiming } from './rotation-deadline.js'
import { pairs, type RedisLike, type Reply, type RunScript } from './scripts.js'
import { REDIS_OUTAGES } from './unavailable.js'

/**
 * Sessions in Redis. A session lives in its own slot (`sess:{id}`), so rotate, find and revoke
 * are one round trip each and rotation is one atomic script. The per-user index lives in the
 * user's slot; operations that need both (create, revoke-all, list) take one step per slot, in
 * an order that never leaves a live session outside its index:
 * - create writes the index entry first, then the session (only if its key is free); a user over
 *   the cap first loses their oldest sessions, revoked as revoke does it;
 * - revoke-all tombstones every indexed session (but the one kept), then removes those entries;
 * - list drops entries of tombstones, and of absent sessions only once they are old.
 * A rotation carries a wall-clock deadline (see ROTATION_DEADLINE_MS).
 */
export function createRedisSessionStore(
  client: RedisLike,
  run: RunScript,
  keys: KeySpace,
  timing: RotationTiming = DEFAULT_ROTATION_TIMING,
): SessionStore {
  const rotateBefore = deadlineRotation(run, timing)

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

  /**
   * The user's indexed sessions, read one by one: the live ones, and the entries dead for good (a
   * tombstone, or no session at all once the entry is old: a younger one may be a create in flight).
   */
  const readIndexed = async (userId: UserId, now: Instant): Promise<{ live: Session[]; dead: SessionId[] }> => {
    const entries = await indexEntries(userId)
    const found = await Promise.all(entries.map(async (e) => ({ e, fields: await client.hgetall(keys.session(e.id)) })))
    const live: Session[] = []
    const dead: SessionId[] = []
    for (const { e, fields } of found) {
      const session = toSession(e.id, fields)
      if (session?.userId === userId) {
        if (isLiveAt(session, now)) live.push(session)
      } else if (fields.revokedAt !== undefined || e.createdAt < now - INDEX_PRUNE_AFTER_MS) {
        dead.push(e.id)
      }
    }
    return { live, dead }
  }

  /**
   * A user over the cap (the index counts more entries than it allows): dead entries leave the
   * index, then the oldest live sessions beyond the cap are revoked as `revoke` does it (tombstone
   * first, then out of the index), so no live session is ever outside its index.
   */
  const trimToCap = async (session: Session, maxPerUser: number): Promise<void> => {
    const { live, dead } = await readIndexed(session.userId, session.createdAt)
    const beyond = sessionsBeyondCap(
      live.filter((s) => s.id !== session.id),
      maxPerUser,
    ).map((s) => s.id)
    await Promise.all(beyond.map((id) => revokeOne(id, session.userId)))
    const gone = [...dead, ...beyond].filter((id) => id !== session.id)
    if (gone.length > 0) await client.zrem(keys.sessionIndex(session.userId), ...gone)
  }

  return {
    create: (session, limits) =>
      guarded(async () => {
        const indexed = await run('indexSession', keys.sessionIndex(session.userId), [
          session.id,
          session.createdAt,
          session.absoluteExpiresAt,
        ])
        // Under the cap (the usual case) this costs nothing more; over it, the user's oldest go
        // before the new session is written, so a failure there leaves no new session behind.
        const maxPerUser = limits?.maxPerUser ?? DEFAULT_MAX_SESSIONS_PER_USER
        if (Number(indexed) > maxPerUser) await trimToCap(session, maxPerUser)
        await run('createSession', keys.session(session.id), [session.expiresAt, ...sessionFields(session)])
      }, REDIS_OUTAGES),

    find: (id, now) =>
      guarded(async () => {
        const session = toSession(id, await client.hgetall(keys.session(id)))
        return session && isLiveAt(session, now) ? session : null
      }, REDIS_OUTAGES),

    rotate: (id, from, now, policy) =>
      guarded(
        async () =>
          toOutcome(
            id,
            await rotateBefore(keys.session(id), [from, now, policy.graceMs, policy.slidingMs, TOMBSTONE_TTL_MS]),
          ),
        REDIS_OUTAGES,
      ),

    revoke: (id) =>
      guarded(async () => {
        const owner = await revokeOne(id, '')
        if (owner) await client.zrem(keys.sessionIndex(owner), id)
        return owner
      }, REDIS_OUTAGES),

    // Ended sessions have expired out of Redis (PEXPIREAT), so every owner found was live at `now`.
    revokeAllForUser: (userId, _now, except) =>
      guarded(async () => {
        const entries = (await indexEntries(userId)).filter((e) => e.id !== except)
        if (entries.length === 0) return 0
        const owners = await Promise.all(entries.map((e) => revokeOne(e.id, userId)))
        await client.zrem(keys.sessionIndex(userId), ...entries.map((e) => e.id))
        return owners.filter((o) => o === userId).length
      }, REDIS_OUTAGES),

    listForUser: (userId, now) =>
      guarded(async () => {
        const { live, dead } = await readIndexed(userId, now)
        if (dead.length > 0) await client.zrem(keys.sessionIndex(userId), ...dead)
        return live
      }, REDIS_OUTAGES),
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

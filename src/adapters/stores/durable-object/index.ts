import type { RateLimiter, SessionStore, Stores, TokenStore } from '../../../application/ports.js'
import { DEFAULT_MAX_SESSIONS_PER_USER, type SessionId } from '../../../domain/session.js'
import type { UserId } from '../../../domain/user.js'
import { BoundedExpiringMap } from '../../bounded-map.js'
import { fitsInBytes } from '../key-size.js'
import { DEFAULT_STORE_TIMEOUT_MS, guarded, storeUnavailable } from '../outage.js'
import type { AuthStoreObject } from './object.js'
import { durableObjectUsers } from './users.js'

/** The binding's smallest shape that works: name an object, get its RPC stub. */
export type AuthStoreNamespace = Pick<DurableObjectNamespace<AuthStoreObject>, 'idFromName' | 'get'>

/**
 * The object's methods as seen through RPC: same arguments, a promise of the same (cloned) value.
 * The runtime's own stub type turns a union result into a union of promises, which no port accepts.
 */
export type AuthStoreStub = {
  [K in keyof AuthStoreObject]: AuthStoreObject[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never
}

/**
 * The longest object name looked up. Cloudflare documents names only up to 1,024 bytes (beyond,
 * `id.name` is not kept). Ids and emails are far shorter; a lookup by a longer one (a URL path, a
 * forged cookie) finds nothing without a call. Keep `prefix` short.
 */
export const MAX_OBJECT_NAME_BYTES = 1024

export type Role = 'user' | 'email' | 'sid' | 'rate' | 'health'

/**
 * A rotation's deadline comes this much before the adapter's timeout (at most half of it): an
 * answer still on its way back when the adapter gives up was then already `late`.
 */
const REPLY_MARGIN_MS = 250

export interface DurableObjectStoreOptions {
  /** Prepended to every object name: a separate store in the same namespace (tenants, tests). */
  readonly prefix?: string
  /** A call to an object that takes longer fails as `store_unavailable` (ms). */
  readonly timeoutMs?: number
  /** Session id → user id pairs remembered by this isolate; they never change, so never go stale. */
  readonly pointerCacheSize?: number
}

/**
 * Users, sessions, account tokens and rate limits in Durable Objects, strongly consistent. Objects
 * by name: `user:<userId>` holds the account, all the user's sessions (rotation is one synchronous
 * step there) and its pending tokens (spending one is one synchronous step there too, so of two
 * racers exactly one gets it); `email:<email>` claims an address atomically and keeps a copy of the account, so login's
 * `findByEmail` is one call whether or not the account exists; `sid:<sessionId>` points a session id at
 * its user object (cached per isolate, so a warm rotation is one round trip); `rate:<key>` is a
 * counter. Address changes and deletions span two or three objects: users.ts orders their steps
 * and says what a caller that stops midway leaves. Any failed or slow call becomes
 * `UnavailableError('store_unavailable')`.
 */
export function createDurableObjectStores(ns: AuthStoreNamespace, opts: DurableObjectStoreOptions = {}): Stores {
  const prefix = opts.prefix ?? ''
  const timeoutMs = opts.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS
  const cacheSize = opts.pointerCacheSize ?? 10_000
  const object = (role: Role, key: string) =>
    ns.get(ns.idFromName(`${prefix}${role}:${key}`)) as unknown as AuthStoreStub
  /** Whether an object by this name can exist at all: lookups by an over-long name find nothing. */
  const named = (role: Role, key: string) => fitsInBytes(`${prefix}${role}:${key}`, MAX_OBJECT_NAME_BYTES)
  // RPC has no timeout of its own, and any rejection (a broken stub, a throw in the object) is an outage.
  const call = <T>(op: () => Promise<T>): Promise<T> => guarded(op, { timeoutMs })

  // Session id → user id never changes, so an entry never expires; past the bound the oldest go.
  const owners = new BoundedExpiringMap<string, UserId>(cacheSize)
  const remember = (sessionId: string, userId: UserId): void => {
    owners.set(sessionId, userId, Number.POSITIVE_INFINITY, Date.now())
  }
  /** Which user object holds the session: the isolate's cache, else the `sid:` pointer (one hop). */
  const ownerOf = async (sessionId: SessionId): Promise<UserId | null> => {
    const cached = owners.get(sessionId, Date.now())
    if (cached) return cached
    if (!named('sid', sessionId)) return null
    const owner = await call(() => object('sid', sessionId).pointerGet(sessionId))
    if (owner) remember(sessionId, owner)
    return owner
  }
  /** Pointers of revoked sessions go now; any left behind expire with their alarm. */
  const dropPointers = async (ids: readonly string[]): Promise<void> => {
    await Promise.allSettled(ids.map((id) => call(() => object('sid', id).pointerDelete(id))))
  }

  const users = durableObjectUsers({
    object,
    named,
    call,
    async dropSessions(ids) {
      for (const id of ids) owners.delete(id)
      await dropPointers(ids)
    },
  })

  const sessions: SessionStore = {
    async create(session, limits) {
      // The pointer first: a session is never reachable in its user object without one.
      await call(() => object('sid', session.id).pointerSet(session.id, session.userId, session.absoluteExpiresAt))
      remember(session.id, session.userId)
      const maxPerUser = limits?.maxPerUser ?? DEFAULT_MAX_SESSIONS_PER_USER
      // The user object trims the user's oldest beyond the cap in the same step; their pointers go after.
      const evicted = await call(() => object('user', session.userId).sessionCreate(session, maxPerUser))
      for (const id of evicted) owners.delete(id)
      await dropPointers(evicted)
    },
    async find(id, now) {
      const owner = await ownerOf(id)
      return owner ? call(() => object('user', owner).sessionFind(id, now)) : null
    },
    async rotate(id, from, now, policy) {
      const owner = await ownerOf(id)
      if (!owner) return { kind: 'missing' }
      // A call is not cancelled when `call` gives up on it: the object refuses to rotate once the
      // caller can no longer hear the answer (see sessionRotate), a little before the timeout.
      const deadline = Date.now() + timeoutMs - Math.min(REPLY_MARGIN_MS, timeoutMs / 2)
      const reply = await call(() => object('user', owner).sessionRotate(id, from, now, policy, deadline))
      if (reply.kind === 'late') throw storeUnavailable('unreachable')
      return reply
    },
    async revoke(id) {
      const owner = await ownerOf(id)
      if (!owner) return null
      const revoked = await call(() => object('user', owner).sessionRevoke(id))
      await dropPointers([id])
      return revoked
    },
    async revokeAllForUser(userId, now, except) {
      if (!named('user', userId)) return 0
      const ids = await call(() => object('user', userId).sessionRevokeAll(now, except))
      await dropPointers(ids)
      return ids.length
    },
    listForUser: async (userId, now) =>
      named('user', userId) ? call(() => object('user', userId).sessionList(now)) : [],
  }

  const limiter: RateLimiter = {
    hit: (key, rule, now) => call(() => object('rate', key).rateHit(key, rule, now)),
    reset: (key) => call(() => object('rate', key).rateReset(key)),
  }

  const tokens: TokenStore = {
    async issue(token) {
      await call(() => object('user', token.userId).tokenIssue(token))
    },
    consume: async (userId, digest, purposes, now) =>
      named('user', userId) ? call(() => object('user', userId).tokenConsume(userId, digest, purposes, now)) : null,
    async revokeForUser(userId, purposes) {
      if (named('user', userId)) await call(() => object('user', userId).tokenRevoke(purposes))
    },
    listForUser: async (userId, now) =>
      named('user', userId) ? call(() => object('user', userId).tokenList(now)) : [],
  }

  return {
    users,
    sessions,
    limiter,
    tokens,
    health: {
      kind: 'durable-object',
      async ping() {
        await call(() => object('health', 'ping').ping())
      },
    },
  }
}

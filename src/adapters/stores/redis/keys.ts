import type { TokenPurpose } from '../../../domain/account-token.js'

/**
 * The Redis key scheme (docs/storage-schema.md has the full table). Every key carries a
 * `{hash tag}` naming the one thing it belongs to, so each Lua script touches a single slot and
 * Redis Cluster accepts it:
 *
 * - `sess:{<sessionId>}`               the session hash (or its tombstone): rotate, find and
 *                                      revoke get a session id only, so it alone picks the slot.
 * - `user:{<userId>}:sessions`         the per-user index of session ids (score: createdAt).
 * - `user:{<userId>}:email`            id -> email pointer, beside the index in the user's slot.
 * - `user:{<userId>}:moves`            how many address changes were decided (account-moves.ts).
 * - `user:{<userId>}:token:<purpose>`  the user's pending token of one purpose: a user's tokens
 *                                      share a slot, so consume and revoke are single-slot.
 * - `email:{<email>}`                  the account hash, keyed by its unique email.
 * - `rate:{<key>}`                     a fixed-window counter.
 */

/** How long a revoked session's tombstone lasts: it stops a late or resent create from reviving it. */
export const TOMBSTONE_TTL_MS = 60 * 60_000

/**
 * An index entry whose session is absent is dropped once it is older than this. Younger ones may
 * belong to a create in flight (the index is written before the session), so they stay.
 */
export const INDEX_PRUNE_AFTER_MS = 10 * 60_000

/** The prefix of every key unless `createRedisStores` is given another. */
export const DEFAULT_PREFIX = 'auth:'

// Braces end or start a hash tag and `%` is the escape itself: escaping all three makes the tag
// exactly the given value, whatever an email or a client-supplied id contains.
const tag = (value: string): string =>
  `{${value.replace(/[{}%]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}}`

/** Builds every key the Redis stores use, under one prefix. */
export interface KeySpace {
  session(sessionId: string): string
  sessionIndex(userId: string): string
  emailOf(userId: string): string
  moves(userId: string): string
  token(userId: string, purpose: TokenPurpose): string
  user(email: string): string
  rate(key: string): string
}

/** The key scheme under `prefix` (no braces allowed in it: it would steal the hash tag). */
export function keySpace(prefix: string = DEFAULT_PREFIX): KeySpace {
  if (/[{}]/.test(prefix)) throw new Error('The Redis key prefix must not contain { or }')
  return {
    session: (sessionId) => `${prefix}sess:${tag(sessionId)}`,
    sessionIndex: (userId) => `${prefix}user:${tag(userId)}:sessions`,
    emailOf: (userId) => `${prefix}user:${tag(userId)}:email`,
    moves: (userId) => `${prefix}user:${tag(userId)}:moves`,
    token: (userId, purpose) => `${prefix}user:${tag(userId)}:token:${purpose}`,
    user: (email) => `${prefix}email:${tag(email)}`,
    rate: (key) => `${prefix}rate:${tag(key)}`,
  }
}

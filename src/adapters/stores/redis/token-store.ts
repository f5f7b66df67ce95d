import type { TokenStore } from '../../../application/ports.js'
import { type AccountToken, isTokenLiveAt, TOKEN_LIFETIME, type TokenPurpose } from '../../../domain/account-token.js'
import type { UserId } from '../../../domain/user.js'
import { guarded } from '../outage.js'
import type { KeySpace } from './keys.js'
import { tokenFields, toToken } from './records.js'
import { pairs, type RedisLike, type RunScript } from './scripts.js'
import { REDIS_OUTAGES } from './unavailable.js'

const PURPOSES = Object.keys(TOKEN_LIFETIME) as TokenPurpose[]

/**
 * Pending account tokens in Redis: one hash per user and purpose (`user:{userId}:token:<purpose>`),
 * expiring at the token's `expiresAt` (PEXPIREAT), so a replaced purpose is one key overwritten and
 * nothing outlives its expiry. Every key of a user carries the user's tag, hence one slot: consume
 * is one script over the purposes asked for (two racers, one winner), revoke one DEL.
 */
export function createRedisTokenStore(client: RedisLike, run: RunScript, keys: KeySpace): TokenStore {
  const keysOf = (userId: UserId, purposes: readonly TokenPurpose[]): string[] =>
    purposes.map((purpose) => keys.token(userId, purpose))

  return {
    issue: (token) =>
      guarded(async () => {
        await run('issueToken', keys.token(token.userId, token.purpose), [token.expiresAt, ...tokenFields(token)])
      }, REDIS_OUTAGES),

    consume: (userId, digest, purposes, now) =>
      guarded(async () => {
        if (purposes.length === 0) return null
        const reply = await run('consumeToken', keysOf(userId, purposes), [digest, now])
        return reply === null ? null : toToken(pairs(reply))
      }, REDIS_OUTAGES),

    revokeForUser: (userId, purposes = PURPOSES) =>
      guarded(async () => {
        if (purposes.length > 0) await client.del(...keysOf(userId, purposes))
      }, REDIS_OUTAGES),

    listForUser: (userId, now) =>
      guarded(async () => {
        const found = await Promise.all(keysOf(userId, PURPOSES).map((key) => client.hgetall(key)))
        return found.map(toToken).filter((t): t is AccountToken => t !== null && isTokenLiveAt(t, now))
      }, REDIS_OUTAGES),
  }
}

import type { UserRepository } from '../../../application/ports.js'
import type { UserId, UserRecord } from '../../../domain/user.js'
import { guarded } from '../outage.js'
import type { KeySpace } from './keys.js'
import { toUser, userFields } from './records.js'
import { pairs, type RedisLike, type RunScript } from './scripts.js'
import { REDIS_OUTAGES } from './unavailable.js'

/**
 * Accounts in Redis, keyed by their email (`email:{email}`), so that taking an email is one
 * atomic script in one slot, in a Cluster too. Lookups by id follow a pointer
 * (`user:{id}:email`) in the user's own slot.
 *
 * `create` claims the id pointer first, then writes the account only if the email is free.
 * A failure between the two leaves a pointer to an email that is not this user's, which every
 * reader checks (`record.id === id`), so it is harmless; the reverse order could leave an
 * account that its id cannot reach. Both steps are idempotent, so a resent command is safe.
 */
export function createRedisUserRepository(client: RedisLike, run: RunScript, keys: KeySpace): UserRepository {
  const byEmail = async (email: string): Promise<UserRecord | null> => toUser(await client.hgetall(keys.user(email)))

  const emailOf = (id: UserId): Promise<string | null> => client.get(keys.emailOf(id))

  return {
    create: (user) =>
      guarded(async () => {
        if ((await run('claimUserId', keys.emailOf(user.id), [user.email])) !== 1) {
          throw new Error('User id collision in Redis: an id must be fresh')
        }
        const outcome = await run('createUser', keys.user(user.email), [user.id, ...userFields(user)])
        if (outcome === 'created') return 'created'
        if (outcome !== 'email_taken') throw new Error('Redis createUser: unexpected reply')
        // The email belongs to someone else: this id never became an account.
        await client.del(keys.emailOf(user.id))
        return 'email_taken'
      }, REDIS_OUTAGES),

    findByEmail: (email) => guarded(() => byEmail(email), REDIS_OUTAGES),

    findById: (id) =>
      guarded(async () => {
        const email = await emailOf(id)
        const user = email === null ? null : await byEmail(email)
        return user?.id === id ? user : null
      }, REDIS_OUTAGES),

    update: (id, patch) =>
      guarded(async () => {
        const email = await emailOf(id)
        if (email === null) return null
        const nameMode = patch.name === undefined ? 'keep' : patch.name === null ? 'clear' : 'set'
        const reply = await run('updateUser', keys.user(email), [
          id,
          nameMode,
          patch.name ?? '',
          patch.passwordHash === undefined ? 'keep' : 'set',
          patch.passwordHash ?? '',
        ])
        return reply === null ? null : toUser(pairs(reply))
      }, REDIS_OUTAGES),
  }
}

import type { UserRepository } from '../../../application/ports.js'
import type { Email } from '../../../domain/email.js'
import type { UserId, UserRecord } from '../../../domain/user.js'
import { guarded } from '../outage.js'
import { accountMoves } from './account-moves.js'
import type { KeySpace } from './keys.js'
import { patchFields, toUser, userFields } from './records.js'
import { pairs, type RedisLike, type Reply, type RunScript } from './scripts.js'
import { REDIS_OUTAGES } from './unavailable.js'

/** How many times one call runs at most, when concurrent moves keep changing the account under it. */
const MAX_ATTEMPTS = 4

/** An attempt that must run again, on wherever the pointer then names. */
type Retry =
  /** The record is marked: its move is settled first. */
  | { readonly kind: 'moving'; readonly fields: Record<string, string> }
  /** No account of this id there: again only when the pointer has moved meanwhile, else there is none. */
  | { readonly kind: 'missing' }
  /** Another settler decided this attempt's move otherwise. */
  | { readonly kind: 'again' }

type Step<T> = { readonly kind: 'done'; readonly value: T } | Retry
type Moving = Extract<Retry, { kind: 'moving' }>

const done = <T>(value: T): Step<T> => ({ kind: 'done', value })

/** The answer of a script that met a marked record ({'moving', fields}), or null. */
function moving(reply: Reply): Moving | null {
  return Array.isArray(reply) && reply[0] === 'moving' ? { kind: 'moving', fields: pairs(reply[1] ?? null) } : null
}

/** The answer of updateUser or beginMove: {'ok', fields}, {'moving', fields}, or nil (no such account there). */
function recordStep(reply: Reply): Step<Record<string, string>> {
  if (reply === null) return { kind: 'missing' }
  const marked = moving(reply)
  if (marked) return marked
  if (Array.isArray(reply) && reply[0] === 'ok') return done(pairs(reply[1] ?? null))
  throw new Error('Redis account script: unexpected reply')
}

const userStep = (step: Step<Record<string, string>>): Step<UserRecord | null> =>
  step.kind === 'done' ? done(toUser(step.value)) : step

/**
 * Accounts in Redis, keyed by their email (`email:{email}`), so that taking an email is one
 * atomic script in one slot, in a Cluster too. Lookups by id follow a pointer
 * (`user:{id}:email`) in the user's own slot, which also decides where an account is while it
 * moves to another address (account-moves.ts has the protocol and its crash windows).
 *
 * `create` claims the id pointer first, then writes the account only if the email is free.
 * A failure between the two leaves a pointer to an email that is not this user's, which every
 * reader checks (`record.id === id`), so it is harmless; the reverse order could leave an
 * account that its id cannot reach. Both steps are idempotent, so a resent command is safe.
 * `delete` removes the account before the pointer, for the same reason.
 */
export function createRedisUserRepository(client: RedisLike, run: RunScript, keys: KeySpace): UserRepository {
  const moves = accountMoves(client, run, keys)
  const userSlot = (id: UserId): string[] => [keys.emailOf(id), keys.moves(id)]

  /** A marked record is believed only where its id's pointer names its address. */
  const byEmail = async (email: string): Promise<UserRecord | null> => {
    const fields = await client.hgetall(keys.user(email))
    const user = toUser(fields)
    if (user === null || fields.moveGen === undefined) return user
    return (await client.get(keys.emailOf(user.id))) === email ? user : null
  }

  /** A pointer to a record that is not this id's: a move may have deleted it since, so one more look. */
  const byId = async (id: UserId): Promise<UserRecord | null> => {
    let missed: string | null = null
    for (let i = 0; i < 2; i++) {
      const email = await client.get(keys.emailOf(id))
      if (email === null || email === missed) return null
      const user = toUser(await client.hgetall(keys.user(email)))
      if (user?.id === id) return user
      missed = email
    }
    return null
  }

  /** Runs `attempt` on the account `id` points at, settling every move it meets (see `Retry`). */
  const onAccount = async <T>(
    id: UserId,
    attempt: (at: string, gen: number) => Promise<Step<T>>,
  ): Promise<T | null> => {
    let missed: string | null = null
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const { at, gen } = await moves.pointer(id)
      if (at === null || at === missed) return null
      const step = await attempt(at, gen)
      if (step.kind === 'done') return step.value
      if (step.kind === 'moving') await moves.settle(step.fields)
      missed = step.kind === 'missing' ? at : null
    }
    throw new Error('Redis: concurrent moves kept changing the account; gave up')
  }

  /** Writes the account unless another holds the address; a holder caught moving is settled once first. */
  const writeAccount = async (user: UserRecord): Promise<'created' | 'email_taken'> => {
    const write = () => run('createUser', keys.user(user.email), [user.id, ...userFields(user)])
    let reply = await write()
    const marked = moving(reply)
    if (marked) {
      await moves.settle(marked.fields)
      reply = await write()
    }
    if (reply === 'created' || reply === 'email_taken') return reply
    if (moving(reply)) return 'email_taken'
    throw new Error('Redis createUser: unexpected reply')
  }

  const update = (id: UserId, at: string, clear: readonly string[], set: readonly string[]) =>
    run('updateUser', keys.user(at), [id, clear.length, ...clear, ...set])

  /** Begins the move to `email` and carries it through (account-moves.ts). */
  const move = async (
    id: UserId,
    at: string,
    gen: number,
    email: Email,
  ): Promise<Step<UserRecord | 'email_taken' | null>> => {
    const begun = recordStep(await run('beginMove', keys.user(at), [id, email, gen]))
    if (begun.kind !== 'done') return begun
    const carried = await moves.carry({ id, from: at, to: email, gen }, begun.value)
    if (carried.kind === 'moved') return done(carried.fields && toUser(carried.fields))
    return carried.kind === 'taken' ? done('email_taken') : { kind: 'again' }
  }

  /** Deletes the account, then the pointer; a pointer without an account is dropped too (answering false). */
  const remove = async (id: UserId, at: string): Promise<Step<boolean>> => {
    const reply = await run('deleteUser', keys.user(at), [id])
    const marked = moving(reply)
    if (marked) return marked
    const dropped = await run('dropPointer', userSlot(id), [at])
    if (reply === 1) return done(true)
    return dropped === 1 ? done(false) : { kind: 'again' }
  }

  return {
    create: (user) =>
      guarded(async () => {
        if ((await run('claimUserId', keys.emailOf(user.id), [user.email])) !== 1) {
          throw new Error('User id collision in Redis: an id must be fresh')
        }
        if ((await writeAccount(user)) === 'created') return 'created'
        // The email belongs to someone else: this id never became an account.
        await client.del(keys.emailOf(user.id))
        return 'email_taken'
      }, REDIS_OUTAGES),

    findByEmail: (email) => guarded(() => byEmail(email), REDIS_OUTAGES),

    findById: (id) => guarded(() => byId(id), REDIS_OUTAGES),

    update: (id, patch) =>
      guarded(() => {
        const { clear, set } = patchFields(patch)
        return onAccount(id, async (at) => userStep(recordStep(await update(id, at, clear, set))))
      }, REDIS_OUTAGES),

    replacePasswordHash: (id, expected, next) =>
      guarded(
        () =>
          onAccount(id, async (at): Promise<Step<UserRecord | 'changed' | null>> => {
            const reply = await run('replacePasswordHash', keys.user(at), [id, expected, next])
            return reply === 'changed' ? done('changed') : userStep(recordStep(reply))
          }),
        REDIS_OUTAGES,
      ),

    changeEmail: (id, email) =>
      guarded(
        () =>
          onAccount(id, async (at, gen) =>
            at === email
              ? userStep(recordStep(await update(id, at, [], ['emailVerified', '1'])))
              : move(id, at, gen, email),
          ),
        REDIS_OUTAGES,
      ),

    delete: (id) => guarded(async () => (await onAccount(id, (at) => remove(id, at))) ?? false, REDIS_OUTAGES),
  }
}

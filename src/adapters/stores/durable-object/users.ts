import type { UserPatch, UserRepository } from '../../../application/ports.js'
import { instant } from '../../../domain/units.js'
import type { UserId, UserRecord } from '../../../domain/user.js'
import type { Versioned } from './accounts.js'
import type { AuthStoreStub, Role } from './index.js'

/** What the repository needs from the adapter (index.ts): named objects, and calls guarded there. */
export interface ObjectAccess {
  object(role: Role, key: string): AuthStoreStub
  /** Whether an object by this name can exist at all: lookups by an over-long name find nothing. */
  named(role: Role, key: string): boolean
  call<T>(op: () => Promise<T>): Promise<T>
  /** Forgets sessions that are gone from their user object (pointer cache, `sid:` pointers). */
  dropSessions(ids: readonly string[]): Promise<void>
}

/**
 * The accounts of the Durable Object store: `user:<id>` holds the account (the source of truth,
 * with a `version` counting its changes) and `email:<email>` claims the address with a copy of
 * the account (what `findByEmail` reads, one call whether or not it exists). Calls to two objects
 * are never atomic together, so every multi-object operation is ordered such that a caller that
 * stops midway (a crash, a timeout: the caller got a 503) leaves a state that is safe to read and
 * that the same call, retried, completes. See docs/storage-schema.md.
 *
 * **Changing the address** (`changeEmail(id, new)`), from `old`:
 * 1. `email:<new>` claims the address `moving` (accounts.ts, `claim`): atomic there, so of it and
 *    a racing registration of the same address exactly one wins; the claim refuses everyone else
 *    from now on but answers no lookup yet. Taken by another account: `email_taken`, nothing changed.
 * 2. `user:<id>` moves the account to `new` (verified, version + 1) and records `old` in its
 *    `moved_from`, in one step. No account any more (deleted meanwhile): the claim is released.
 * 3. `email:<new>` takes the new copy and is confirmed: `findByEmail(new)` finds the account.
 * 4. `email:<old>` is released if it still names this account with an older copy, so
 *    `findByEmail(old)` finds nothing once the call returns and the address may register again.
 * 5. `user:<id>` forgets `old` from `moved_from`.
 *
 * Crash windows, and how they converge:
 * - after 1: `new` is reserved for this account (registrations of it are refused) but nothing
 *   else changed: the account still has `old`, logs in by `old` only. Retrying the change (or any
 *   later change to `new` by this account) finds the claim its own and goes on. Not retried, `new`
 *   stays reserved to the account: refused to others, found by no lookup.
 * - after 2: the account has `new` (`findById`), but `findByEmail(new)` finds nothing yet and
 *   `findByEmail(old)` still finds the old copy. The next `findById`, `update`, `changeEmail` or
 *   `delete` of the account sees `moved_from` and runs steps 3 to 5 (a retried change does so in
 *   its `findById`, then finds the address already its own and only marks it verified).
 * - after 3: both addresses find the account, until the same repair runs steps 4 and 5.
 * - after 4: `moved_from` still names `old`; releasing it again is a no-op, step 5 is repeated.
 * Releases are conditional (this account, an older copy), so a repair that runs late never
 * releases an address that someone else has claimed since, or that the account moved back to.
 *
 * **Deleting** (`delete(id)`): the account's address is released first (no login finds it from
 * then on), then `user:<id>` deletes the account, its sessions and its tokens in one step and
 * answers every address that may still name it (a move that ran in between, an unfinished one),
 * which are released too, and the sessions whose `sid:` pointers then go (best effort: a pointer
 * left behind points at nothing and expires). A crash after the release leaves an account found
 * by id only, whose address may register again; retrying the delete completes it.
 */
export function durableObjectUsers({ object, named, call, dropSessions }: ObjectAccess): UserRepository {
  /** Steps 3 to 5 of an address change: confirm the account's claim, release what it left. */
  const settle = async (id: UserId, { user, version, movedFrom }: Versioned): Promise<void> => {
    await call(() => object('email', user.email).emailSync(user, version))
    if (movedFrom.length === 0) return
    await Promise.all(movedFrom.map((e) => call(() => object('email', e).emailRelease(e, id, version))))
    await call(() => object('user', id).userSettleMove(id, movedFrom))
  }

  /**
   * A pending account is one whose creator stopped between claiming the email and confirming:
   * the claim decides whether it is real (and confirms it). Costs two more calls, once. An
   * address change left unfinished is finished here (see above), best effort: the read stands.
   */
  const findById = async (id: UserId): Promise<UserRecord | null> => {
    if (!named('user', id)) return null
    const found = await call(() => object('user', id).userLookup(id))
    if (!found) return null
    if (found.pending) {
      const { email } = found.user
      const holder = await call(() => object('email', email).emailLookup(email))
      return holder?.id === id ? call(() => object('user', id).userFindClaimed(id, email)) : null
    }
    if (found.movedFrom.length > 0) await settle(id, found).catch(() => undefined)
    return found.user
  }

  /** `update`, or with `expectedHash` the rehash's compare-and-set (decided in the account's object). */
  const patchAccount = async (id: UserId, patch: UserPatch, expectedHash?: string) => {
    // The account first (the source of truth), then the claim's copy. Should the second call fail,
    // the caller gets a 503 and the copy lags until the next update, which brings it up to date.
    if (!named('user', id)) return null
    const patchIt = () => call(() => object('user', id).userUpdate(id, patch, expectedHash))
    // A pending account is patched once its claim has confirmed it (see findById).
    const updated = (await patchIt()) ?? ((await findById(id)) ? await patchIt() : null)
    if (updated === null || updated === 'changed') return updated
    await settle(id, updated)
    return updated.user
  }
  // Without an expected hash the object never answers 'changed'.
  const update = patchAccount as UserRepository['update']

  return {
    async create(user) {
      // Pending account first, then the claim (the atomic arbiter), then confirm or discard.
      // A crash midway leaves a pending account that its claim confirms on the next findById or
      // update (login already works from the claim's copy), or that nothing reaches and the
      // object's alarm deletes an hour later.
      const home = () => object('user', user.id)
      const now = instant(Date.now())
      await call(() => home().userPutPending(user, now))
      const claimed = await call(() => object('email', user.email).emailClaim(user, now))
      await call(() => (claimed === 'created' ? home().userConfirm(user.id) : home().userDiscard(user.id)))
      return claimed
    },
    // One call whether or not the account exists (docs/security.md: login timing must not tell).
    findByEmail: async (email) =>
      named('email', email) ? call(() => object('email', email).emailLookup(email)) : null,
    findById,
    update,
    replacePasswordHash: (id, expected, next) => patchAccount(id, { passwordHash: next }, expected),
    async changeEmail(id, email) {
      const current = await findById(id) // finishes a change a crash left unfinished
      if (!current) return null
      if (current.email === email) return update(id, { emailVerified: true })
      const moving: UserRecord = { ...current, email, emailVerified: true }
      const claimed = await call(() => object('email', email).emailClaim(moving, instant(Date.now()), true))
      if (claimed === 'email_taken') return 'email_taken'
      const moved = await call(() => object('user', id).userMoveEmail(id, email))
      if (!moved) {
        await call(() => object('email', email).emailRelease(email, id))
        return null
      }
      await settle(id, moved)
      return moved.user
    },
    async delete(id) {
      const current = await findById(id)
      if (!current) return false
      await call(() => object('email', current.email).emailRelease(current.email, id))
      const removed = await call(() => object('user', id).userDelete(id))
      if (!removed) return false // a racing delete got there first
      const others = [...new Set(removed.emails)].filter((e) => e !== current.email)
      await Promise.all(others.map((e) => call(() => object('email', e).emailRelease(e, id))))
      await dropSessions(removed.sessions)
      return true
    },
  }
}

import type { Email } from '../../../domain/email.js'
import type { UserId } from '../../../domain/user.js'
import type { KeySpace } from './keys.js'
import { type Move, moveOf, toUser, userFields } from './records.js'
import { pairs, type RedisLike, type RunScript } from './scripts.js'

/**
 * Moving an account to another address (`changeEmail`). The account hash lives at
 * `email:{<email>}`, so a move crosses slots and no one script can make it. It runs as steps of
 * one slot each instead, and every step defers to the id -> email pointer (`user:{<id>}:email`):
 *
 * 1. begin: mark the record at the old address `movingTo` the new one, with the account's move
 *    count `gen` (`user:{<id>}:moves`, read with the pointer). A marked record is frozen: update,
 *    delete, create and another move change nothing in it and settle the move first, so the
 *    record cannot change under its copy and no update is lost.
 * 2. claim: write the copy (new address, verified) at the new address, marked `movedFrom`, unless
 *    another account holds it: the check `create` makes, in the same slot, so a move and a
 *    registration racing for an address have exactly one winner.
 * 3. decide, in the user's slot: while the pointer still names the old address at count `gen`, a
 *    claimed move repoints it (commit), a refused one leaves it (abort); either raises the count,
 *    so a move is decided once, and no late step of it or of an older move decides anything.
 * 4. clean: the record at the address the pointer names keeps its data and loses its mark, last;
 *    the other one marked with this move is deleted first. So the mark on the pointer's record
 *    outlives every leftover of its move, and the next write to the account meets it.
 *
 * Readers defer to the pointer: findById follows it, and findByEmail believes a marked record only
 * when its id's pointer names that address. Before the decision the account is at the old address
 * only, after it at the new one only, whichever steps have run. A writer that meets a marked record
 * settles its move: claims and decides it while it is open, then cleans it. Every step is
 * idempotent and checks the id and the count, so the mover and any settlers may run it at once.
 *
 * Crash windows (the mover stops between steps; nothing is lost, and what is left is this):
 * - after 1: the old record is marked. Readers find the account at the old address as before; the
 *   next write to it (an update, a move, a delete, a registration of that address) settles the
 *   move: claims the new address and commits (its proof was spent: the move was the user's to
 *   make), or aborts when another account holds the address.
 * - after 2: the claim also holds the new address: a registration of it is refused, as it would be
 *   after the commit, while findByEmail(new) stays null until the decision.
 * - after 3 (commit) or during 4: every reader finds the account at the new address only; the old
 *   address is free once settled (the next write to the account, or a registration of the old
 *   address, which settles first). After 3 (abort): the account stays at the old address, marked
 *   until the next write.
 * A settler that stops after claiming for a move decided meanwhile leaves a marked record of a
 * count the pointer has passed: readers ignore it, a registration of that address settles
 * (deletes) it, and a later move of the same account there replaces it.
 */
export interface AccountMoves {
  /** The address the id points at (null: no account) and the account's move count. */
  pointer(id: UserId): Promise<{ readonly at: string | null; readonly gen: number }>
  /**
   * Steps 2 to 4 for the mover, once `frozen` (the old record, marked) has begun `move`: the moved
   * record's fields (null when the account is gone), `taken`, or `stale` when another decided it.
   */
  carry(move: Move, frozen: Record<string, string>): Promise<Carried>
  /** Carries on the move a marked record belongs to: decides it when it is still open, then cleans it. */
  settle(marked: Record<string, string>): Promise<void>
}

export type Carried =
  | { readonly kind: 'moved'; readonly fields: Record<string, string> | null }
  | { readonly kind: 'taken' }
  | { readonly kind: 'stale' }

/** The record to write at the new address: the frozen one, moved there and verified. */
function movedFields(frozen: Record<string, string>, to: string): string[] {
  const user = toUser(frozen)
  if (!user) throw new Error('Redis move: the frozen record is gone')
  return userFields({ ...user, email: to as Email, emailVerified: true })
}

export function accountMoves(client: RedisLike, run: RunScript, keys: KeySpace): AccountMoves {
  const userSlot = (id: UserId): string[] => [keys.emailOf(id), keys.moves(id)]

  const pointer: AccountMoves['pointer'] = async (id) => {
    const [at = null, gen = null] = await client.mget(...userSlot(id))
    return { at, gen: Number(gen ?? 0) }
  }

  /** Step 2: true when the new address is this move's now. */
  const claim = async (move: Move, frozen: Record<string, string>): Promise<boolean> => {
    const copy = movedFields(frozen, move.to)
    return (await run('claimEmail', keys.user(move.to), [move.id, move.from, move.gen, ...copy])) === 'claimed'
  }

  /** Steps 2 and 3: claims the new address with `frozen` (null: it is claimed already), then decides. */
  const decide = async (move: Move, frozen: Record<string, string> | null) => {
    const claimed = frozen === null || (await claim(move, frozen))
    const verdict = claimed ? 'commit' : 'abort'
    const reply = await run('decideMove', userSlot(move.id), [move.from, move.to, move.gen, verdict])
    if (!Array.isArray(reply)) throw new Error('Redis decideMove: unexpected reply')
    const at = reply[0] === null || reply[0] === undefined ? null : String(reply[0])
    return { at, claimed }
  }

  /** Step 4, once decided with the pointer at `at`: answers the fields of the record kept there. */
  const clean = async (move: Move, at: string | null): Promise<Record<string, string> | null> => {
    const drop = (email: string) => run('dropMove', keys.user(email), [move.id, move.gen])
    if (at !== move.from && at !== move.to) {
      await Promise.all([drop(move.from), drop(move.to)])
      return null
    }
    await drop(at === move.to ? move.from : move.to)
    const kept = await run('unmarkMove', keys.user(at), [move.id, move.gen])
    return kept === null ? null : pairs(kept)
  }

  return {
    pointer,

    carry: async (move, frozen) => {
      const { at, claimed } = await decide(move, frozen)
      const kept = await clean(move, at)
      if (at === move.to) return { kind: 'moved', fields: kept }
      return at === move.from && !claimed ? { kind: 'taken' } : { kind: 'stale' }
    },

    settle: async (marked) => {
      const move = moveOf(marked)
      if (!move) return
      const { at, gen } = await pointer(move.id)
      const open = at === move.from && gen === move.gen
      // Open: from the old record there is a claim to make; from the claim, none.
      const decided = open ? (await decide(move, marked.movingTo === undefined ? null : marked)).at : at
      await clean(move, decided)
    },
  }
}

import type { SessionStore } from '../../src/application/ports.js'
import { decideRotation, type RotationPolicy, type Session, type SessionId } from '../../src/domain/session.js'
import { type Generation, type Instant, seconds } from '../../src/domain/units.js'

/**
 * Type-level: these lines must not compile (`npm run typecheck` fails if any of them does, since an
 * unused `@ts-expect-error` is itself an error). Never run; `tsc` checks this file (tsconfig.json includes `test`), vitest does not load it.
 */
export function mixUpsThatDoNotCompile(
  store: SessionStore,
  id: SessionId,
  session: Session,
  from: Generation,
  now: Instant,
  policy: RotationPolicy,
): void {
  // @ts-expect-error `from` and `now` swapped: an Instant is not a Generation.
  void store.rotate(id, now, from, policy)
  // @ts-expect-error a plain number is neither.
  void store.rotate(id, 0, Date.now(), policy)
  // @ts-expect-error the pure rule refuses the swap too.
  decideRotation(session, now, from, policy)
  // @ts-expect-error a duration is not an instant.
  void store.find(id, seconds(60))
  // @ts-expect-error a policy in seconds does not pass for one in ms.
  decideRotation(session, from, now, { graceMs: 60, slidingMs: 30 * 86_400 })
}

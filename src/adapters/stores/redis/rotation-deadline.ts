import { storeUnavailable } from '../outage.js'
import type { Reply, RunScript } from './scripts.js'

/**
 * How long after it is sent a rotation may still run (ms, wall clock): later, the script does
 * nothing and answers `late`. Below the client's command timeout (`COMMAND_TIMEOUT_MS`, 750 ms)
 * so that by the time the client gives up on a command, the command can no longer rotate: a
 * rotation whose answer never reached the client never counts against it (a retry with the same
 * token after the grace window would otherwise be reuse, and a logout). The 100 ms left absorb
 * the reply's way back and a Redis clock slightly behind ours. A client with a longer command
 * timeout may take a longer deadline (`rotationDeadlineMs`), never one past its timeout.
 */
export const ROTATION_DEADLINE_MS = 650

/** The warning about a Redis clock ahead of ours is written at most this often (ms). */
const SKEW_WARNING_EVERY_MS = 60_000

/** How rotations are bounded in time: see ROTATION_DEADLINE_MS. */
export interface RotationTiming {
  readonly deadlineMs: number
  /** The real clock the deadline is measured on (never the `Clock` port's `now`, which may be a test's). */
  readonly wallClock: () => number
  /** Where the one-line JSON warning about a skewed Redis clock goes. */
  readonly warn: (line: string) => void
}

export const DEFAULT_ROTATION_TIMING: RotationTiming = {
  deadlineMs: ROTATION_DEADLINE_MS,
  wallClock: () => Date.now(),
  warn: (line) => console.warn(line),
}

/** The Redis clock (ms) of a `late` answer of the rotate script; null for any other answer. */
const lateAt = (reply: Reply): number | null => (Array.isArray(reply) && reply[0] === 'late' ? Number(reply[1]) : null)

/**
 * Runs the rotate script under a deadline on the wall clock (its last argument). A `late` answer
 * heard after our own deadline is what a stall looks like: 503, nothing changed. Heard before it,
 * the Redis clock is ahead of ours (by at least serverMs - now): the script runs once more with
 * the deadline moved by that skew, and a warning says so, so skew never becomes permanent 503s.
 */
export function deadlineRotation(
  run: RunScript,
  timing: RotationTiming,
): (key: string, args: ReadonlyArray<number>) => Promise<Reply> {
  const { wallClock } = timing
  let lastWarning = Number.NEGATIVE_INFINITY
  let unreported = 0
  const warnSkew = (skewMs: number): void => {
    unreported += 1
    const at = wallClock()
    if (Math.abs(at - lastWarning) < SKEW_WARNING_EVERY_MS) return
    const time = new Date().toISOString()
    const line = { time, level: 'warn', msg: 'redis clock ahead of this instance', skewMs, rotations: unreported }
    timing.warn(JSON.stringify(line))
    lastWarning = at
    unreported = 0
  }

  return async (key, args) => {
    const deadline = wallClock() + timing.deadlineMs
    const first = await run('rotate', key, [...args, deadline])
    const serverMs = lateAt(first)
    if (serverMs === null) return first
    const heardAt = wallClock()
    if (heardAt <= deadline) {
      const skewMs = serverMs - heardAt
      warnSkew(skewMs)
      const second = await run('rotate', key, [...args, wallClock() + timing.deadlineMs + skewMs])
      if (lateAt(second) === null) return second
    }
    throw storeUnavailable('unreachable')
  }
}

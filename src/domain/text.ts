// With the `u` flag a surrogate pair is one code point, so this matches only a lone surrogate.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u

/**
 * Whether a string is well-formed UTF-16 (no lone surrogate), as `String.prototype.isWellFormed`
 * says. Ill-formed text has no UTF-8 form: Redis keys, scrypt and TextEncoder turn every lone
 * surrogate into U+FFFD, so two different strings would become one key or one password.
 */
export const isWellFormed = (s: string): boolean => !LONE_SURROGATE.test(s)

/** The largest instant a `Date` can hold (ms): formatting anything beyond it throws. */
const MAX_DATE_MS = 8.64e15

/**
 * An instant (ms since the epoch) as an ISO 8601 string that never throws: out-of-range values
 * are clamped to what a `Date` can hold. Only the HTTP edge formats instants.
 */
export const isoTime = (ms: number): string =>
  new Date(Number.isFinite(ms) ? Math.min(Math.max(ms, -MAX_DATE_MS), MAX_DATE_MS) : 0).toISOString()

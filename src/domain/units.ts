/**
 * Units in the types. Inside the service every instant is an `Instant` (ms since the epoch),
 * every length of time a `Millis` and every rotation counter a `Generation`; plain numbers become
 * one of them only through the constructors below, at an edge that knows what it read (the
 * `Clock`, a stored record, a verified token, the settings). Seconds exist only at the JWT and
 * cookie edges (`iat`, `exp`, `Max-Age`) and in `Retry-After`. Brands differ, so passing a
 * generation where an instant goes (or a duration where an instant goes) does not compile.
 */
export type Instant = number & { readonly __unit: 'Instant' }
export type Millis = number & { readonly __unit: 'Millis' }
export type Generation = number & { readonly __unit: 'Generation' }

export const instant = (ms: number): Instant => ms as Instant
export const millis = (ms: number): Millis => ms as Millis
/** A length of time given in seconds (a setting, a JWT claim), as ms. */
export const seconds = (s: number): Millis => (s * 1000) as Millis
export const generation = (n: number): Generation => n as Generation

/** `t` moved on by `d`. */
export const after = (t: Instant, d: Millis): Instant => (t + d) as Instant
/** How long from `from` to `to` (negative when `to` is earlier). */
export const between = (from: Instant, to: Instant): Millis => (to - from) as Millis
/** The earlier of two instants. */
export const earliest = (a: Instant, b: Instant): Instant => (a <= b ? a : b)
/** The shorter of two durations. */
export const shortest = (a: Millis, b: Millis): Millis => (a <= b ? a : b)
export const nextGeneration = (g: Generation): Generation => (g + 1) as Generation

/** Whole seconds, rounded up, at least 1: a `Retry-After`. */
export const retryAfterSeconds = (d: Millis): number => Math.max(1, Math.ceil(d / 1000))
/** Whole seconds since the epoch, rounded down: a JWT's `iat` or `exp`. */
export const epochSeconds = (t: Instant): number => Math.floor(t / 1000)
/** An `iat` or `exp` claim as an instant. */
export const fromEpochSeconds = (s: number): Instant => (s * 1000) as Instant

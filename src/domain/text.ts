// With the `u` flag a surrogate pair is one code point, so this matches only a lone surrogate.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u

/**
 * Whether a string is well-formed UTF-16 (no lone surrogate), as `String.prototype.isWellFormed`
 * says. Ill-formed text has no UTF-8 form: Redis keys, scrypt and TextEncoder turn every lone
 * surrogate into U+FFFD, so two different strings would become one key or one password.
 */
export const isWellFormed = (s: string): boolean => !LONE_SURROGATE.test(s)

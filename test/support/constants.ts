/** The constants every suite shares: time units in ms, the test password and secrets (never production ones). */

export const SEC = 1000
export const MIN = 60 * SEC
export const HOUR = 60 * MIN
export const DAY = 86_400 * SEC

/** The password test accounts register with. */
export const PASSWORD = 'correct horse battery staple'

/** The JWT secret the test apps sign with: 32+ bytes. */
export const TEST_SECRET = 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz'

/** Another secret of the same length, for tokens signed with the wrong key. */
export const WRONG_SECRET = 'wrong-secret-0123456789abcdefghijklmn'

import { confirmedSessionCache } from '../../src/adapters/confirmed-sessions.js'
import { createAccessTokens } from '../../src/adapters/crypto/access-tokens.js'
import { accountTokenMint } from '../../src/adapters/crypto/account-tokens.js'
import { createRefreshTokens } from '../../src/adapters/crypto/refresh-tokens.js'
import {
  createScryptHasher,
  type ScryptHasherOptions,
  type ScryptParams,
} from '../../src/adapters/crypto/scrypt-hasher.js'
import { createMemoryStores } from '../../src/adapters/stores/memory/index.js'
import type { AuthPolicy, Deps, Identity } from '../../src/application/deps.js'
import { login } from '../../src/application/login.js'
import type { Mailer, SecurityEventName, SecurityLog, Stores } from '../../src/application/ports.js'
import { register } from '../../src/application/register.js'
import type { UserId } from '../../src/domain/user.js'
import { TEST_POLICY } from '../support/app-harness.js'
import { PASSWORD, TEST_SECRET as SECRET } from '../support/constants.js'
import { type CountingHasher, countingHasher } from '../support/counting-hasher.js'
import { type FakeClock, fakeClock, sequentialRandom } from '../support/fixtures.js'
import { trackedBackground } from '../support/outbox.js'

/** The shared constants; the unit tests' secret is the test secret. */
export { DAY, PASSWORD, SEC, TEST_SECRET as SECRET } from '../support/constants.js'
export { type CountingHasher, countingHasher }
export const FAST_SCRYPT: ScryptParams = { ln: 10, r: 8, p: 1 }

/** The harness policy with a lower lockout limit, so lockout tests stay short. */
export const POLICY: AuthPolicy = { ...TEST_POLICY, loginFailureLimit: 5 }

export interface LoggedEvent {
  readonly name: SecurityEventName
  readonly fields: Record<string, string | number | boolean | null>
}

export interface CollectingLog extends SecurityLog {
  readonly events: LoggedEvent[]
  named(name: SecurityEventName): LoggedEvent[]
}

export function collectingLog(): CollectingLog {
  const events: LoggedEvent[] = []
  return {
    events,
    event: (name, fields) => {
      events.push({ name, fields })
    },
    named: (name) => events.filter((e) => e.name === name),
  }
}

export interface UnitDeps extends Deps {
  readonly clock: FakeClock
  readonly hasher: CountingHasher
  readonly log: CollectingLog
  readonly stores: Stores
}

export interface UnitDepsOptions {
  readonly policy?: Partial<AuthPolicy>
  readonly stores?: Stores
  readonly scrypt?: ScryptParams
  /** How the real hasher bounds its KDF work (a small gate, a start rate on the fake clock). */
  readonly kdf?: Omit<ScryptHasherOptions, 'params'>
  readonly clock?: FakeClock
  readonly secret?: string
  readonly mailer?: Mailer
}

/** Use-case dependencies built by hand: memory stores, real crypto, a fake clock, no sleeps. */
export async function makeDeps(opts: UnitDepsOptions = {}): Promise<UnitDeps> {
  const policy = { ...POLICY, ...opts.policy }
  const stores = opts.stores ?? createMemoryStores()
  const secret = opts.secret ?? SECRET
  const clock = opts.clock ?? fakeClock()
  return {
    stores,
    users: stores.users,
    sessions: stores.sessions,
    limiter: stores.limiter,
    hasher: countingHasher(createScryptHasher({ now: clock.now, ...opts.kdf, params: opts.scrypt ?? FAST_SCRYPT })),
    accessTokens: await createAccessTokens({ secret, ttl: policy.accessTokenTtl }),
    refreshTokens: await createRefreshTokens(secret),
    clock,
    random: sequentialRandom(),
    log: collectingLog(),
    policy,
    tokens: stores.tokens,
    tokenMint: accountTokenMint,
    mailer: opts.mailer,
    background: trackedBackground(),
    confirmedSessions: confirmedSessionCache(),
  }
}

/** Registers an account and returns its id; fails the test if registration fails. */
export async function registered(deps: UnitDeps, email: string, password = PASSWORD): Promise<UserId> {
  const result = await register(deps, { email, password, ip: '192.0.2.1' })
  if (!result.ok) throw new Error(`register failed: ${result.error}`)
  return result.value.id
}

/** Logs in and returns the tokens and session; fails the test if login fails. */
export async function loggedIn(deps: UnitDeps, email: string, password = PASSWORD, ip = '192.0.2.1') {
  const result = await login(deps, { email, password, ip, userAgent: 'vitest' })
  if (!result.ok) throw new Error(`login failed: ${result.error}`)
  return result.value
}

/** The identity an authorised request of that login carries. */
export const identityOf = (value: {
  session: { userId: UserId; id: Identity['sessionId'] }
  accessTokenExpiresAt: Identity['accessTokenExpiresAt']
}): Identity => ({
  userId: value.session.userId,
  sessionId: value.session.id,
  roles: [],
  accessTokenExpiresAt: value.accessTokenExpiresAt,
})

/** Changes one character in the middle of a string (never the last, whose low bits may be unused). */
export const tamperAt = (s: string, index: number): string => {
  const c = s[index]
  const swapped = c === 'A' ? 'B' : 'A'
  return s.slice(0, index) + swapped + s.slice(index + 1)
}

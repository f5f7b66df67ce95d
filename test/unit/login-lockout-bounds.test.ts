import { describe, expect, it } from 'vitest'
import { statusOf } from '../../src/adapters/http/problem.js'
import { createMemoryStores } from '../../src/adapters/stores/memory/index.js'
import { login } from '../../src/application/login.js'
import { UnavailableError } from '../../src/domain/errors.js'
import { makeDeps, PASSWORD, registered, SEC } from './unit-deps.js'

/**
 * Security review, issue 7: a live lockout can be neither evicted by a flood of other emails nor
 * run up by attempts that never got a KDF slot.
 */
const ip = '192.0.2.1'
const attempt = (deps: Parameters<typeof login>[0], email: string, password: string) =>
  login(deps, { email, password, ip, userAgent: 'vitest' })

/** A login's outcome: its error code, `ok`, or the UnavailableError it threw. */
const outcome = (deps: Parameters<typeof login>[0], email: string, password: string) =>
  attempt(deps, email, password).then(
    (r) => (r.ok ? 'ok' : r.error),
    (err: unknown) => {
      if (err instanceof UnavailableError) return err
      throw err
    },
  )

describe('a lockout survives a flood of other emails', () => {
  it('keeps a locked email locked once the counters are full, refusing the flood with 503', async () => {
    const maxRateKeys = 20
    const deps = await makeDeps({ stores: createMemoryStores({ maxRateKeys }), policy: { loginFailureLimit: 5 } })
    await registered(deps, 'ada@example.com') // one key: the per-IP register counter
    for (let i = 0; i < 5; i++)
      expect(await outcome(deps, 'ada@example.com', 'wrong password')).toBe('invalid_credentials')
    expect(await outcome(deps, 'ada@example.com', PASSWORD)).toBe('rate_limited')
    // One lockout key so far: ada's failure counter (the per-IP throttles, which may be forgotten,
    // live in a map of their own).

    const flood: Array<string | UnavailableError> = []
    for (let i = 0; i < 2 * maxRateKeys; i++)
      flood.push(await outcome(deps, `flood-${i}@example.com`, 'wrong password'))

    const verifies = deps.hasher.calls.verify
    expect(await outcome(deps, 'ada@example.com', PASSWORD)).toBe('rate_limited')
    expect(await outcome(deps, 'ada@example.com', 'another guess')).toBe('rate_limited')
    expect(deps.hasher.calls.verify).toBe(verifies) // no guess at ada's password was checked
    // Room for 19 new counters, none evicted to make more; the rest refused as an outage.
    expect(flood.slice(0, maxRateKeys - 1)).toEqual(Array(maxRateKeys - 1).fill('invalid_credentials'))
    const refused = flood.slice(maxRateKeys - 1)
    expect(refused).toHaveLength(maxRateKeys + 1)
    for (const r of refused) {
      expect(r).toBeInstanceOf(UnavailableError)
      if (!(r instanceof UnavailableError)) continue
      expect(statusOf(r.code)).toBe(503)
      expect(r.retryAfter).toBe(60 * SEC) // a full store (STORE_RETRY_AFTER.full), in ms
    }

    // Once the windows end, the counters make room again and the lock is over.
    deps.clock.advance(15 * 60 * SEC)
    expect(await outcome(deps, 'late@example.com', 'wrong password')).toBe('invalid_credentials')
    expect(await outcome(deps, 'ada@example.com', PASSWORD)).toBe('ok')
  })
})

describe('an attempt that gets no KDF slot counts nothing', () => {
  it('leaves the failure count alone when refused by the concurrency gate', async () => {
    const deps = await makeDeps({ policy: { loginFailureLimit: 5 }, kdf: { maxConcurrent: 1, maxQueue: 0 } })
    await registered(deps, 'ada@example.com')
    const held = await deps.hasher.reserve()
    for (let i = 0; i < 8; i++) {
      const refused = await outcome(deps, 'ada@example.com', 'wrong password')
      expect(refused).toBeInstanceOf(UnavailableError)
      expect(refused).toMatchObject({ code: 'overloaded' })
    }
    held.release()
    // The account still gets its LOGIN_FAILURE_LIMIT guesses, and then is locked.
    for (let i = 0; i < 5; i++)
      expect(await outcome(deps, 'ada@example.com', 'wrong password')).toBe('invalid_credentials')
    expect(await outcome(deps, 'ada@example.com', PASSWORD)).toBe('rate_limited')
  })

  it('leaves the failure count alone when refused by a start-rate budget, which a lockout does not spend', async () => {
    const deps = await makeDeps({
      policy: { loginFailureLimit: 3 },
      kdf: { startRate: { perSecond: 1, burst: 1 } }, // on the fake clock
    })
    await registered(deps, 'ada@example.com') // spends the one token
    for (let i = 0; i < 4; i++) {
      expect(await outcome(deps, 'ada@example.com', 'wrong password')).toMatchObject({
        code: 'overloaded',
        retryAfter: 1 * SEC,
      })
    }
    for (let i = 0; i < 3; i++) {
      deps.clock.advance(SEC)
      expect(await outcome(deps, 'ada@example.com', 'wrong password')).toBe('invalid_credentials')
    }
    expect(deps.hasher.calls.verify).toBe(3) // one derivation per token
    deps.clock.advance(SEC)
    expect(await outcome(deps, 'ada@example.com', PASSWORD)).toBe('rate_limited')
    // The locked attempt ran no derivation and gave its token back: another login may start now.
    expect(await outcome(deps, 'bob@example.com', 'wrong password')).toBe('invalid_credentials')
    expect(await outcome(deps, 'bob@example.com', 'wrong password')).toMatchObject({ code: 'overloaded' })
  })
})

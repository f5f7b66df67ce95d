import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createScryptHasher, WORKERS_KDF_START_RATE } from '../../src/adapters/crypto/scrypt-hasher.js'
import type { PasswordHasher } from '../../src/application/ports.js'
import { createWorker, type WorkerEnv } from '../../src/worker.js'
import { makeTestApp, TestClient } from '../support/app-harness.js'
import { PASSWORD } from '../support/constants.js'
import { countingHasher } from '../support/counting-hasher.js'

/**
 * docs/security.md: KDF work per instance is bounded, overflow gets 503 + Retry-After. In workerd scrypt
 * runs on the isolate's own thread, so a concurrency gate never sees two runs at once; the Worker
 * bounds how fast derivations may start instead (WORKERS_KDF_START_RATE). No timing is asserted:
 * the bound is on how many derivations started in the time the burst took.
 */
const BUDGET = WORKERS_KDF_START_RATE
const BURST = 12
const ORIGIN = 'https://auth.example.com'
const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext

/** Starts allowed in `seconds`; workerd's clock only moves across I/O, so never an overstatement. */
const allowed = (seconds: number) => BUDGET.burst + BUDGET.perSecond * seconds

const loginRequest = (ip: string) =>
  new Request(`${ORIGIN}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
    body: JSON.stringify({ email: `nobody-${crypto.randomUUID()}@example.com`, password: 'not the password' }),
  })

async function expectOverloaded(refused: Response[]) {
  for (const r of refused) {
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(await r.json()).toMatchObject({ code: 'overloaded' })
  }
}

describe('a burst of concurrent logins in workerd', () => {
  beforeEach(() => {
    // The security events (failed logins are warnings) and access lines of a dozen logins.
    vi.spyOn(console, 'log').mockImplementation(() => {})
    vi.spyOn(console, 'warn').mockImplementation(() => {})
  })
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('through the Worker: part refused with 503 overloaded and Retry-After, starts within the budget', async () => {
    const worker = createWorker()
    const vars = { ...env, RATE_LIMIT_PER_MINUTE: '100000' } as unknown as WorkerEnv
    const fetch = (req: Request) => worker.fetch(req, vars, ctx)
    expect((await fetch(new Request(`${ORIGIN}/health`))).status).toBe(200) // builds the app
    const ip = `2001:db8::${crypto.randomUUID().slice(0, 4)}`

    const t0 = Date.now()
    const answers = await Promise.all(Array.from({ length: BURST }, () => fetch(loginRequest(ip))))
    const elapsed = (Date.now() - t0) / 1000

    const refused = answers.filter((r) => r.status === 503)
    // Every answer that is not a refusal ran exactly one derivation (the dummy hash: unknown emails).
    const derived = answers.filter((r) => r.status === 401)
    expect(refused.length + derived.length).toBe(BURST)
    expect(refused.length).toBeGreaterThan(0)
    await expectOverloaded(refused)
    expect(derived.length).toBeGreaterThanOrEqual(1)
    expect(derived.length).toBeLessThanOrEqual(allowed(elapsed))
  })

  it('counted at the real hasher: derivations started stay within the budget, one lease each', async () => {
    const t = await makeTestApp()
    const hasher = countingHasher(createScryptHasher({ startRate: BUDGET }))
    ;(t.deps as { hasher: PasswordHasher }).hasher = hasher // the routes read deps.hasher per request
    const email = `b-${crypto.randomUUID()}@example.com`
    expect(
      (await new TestClient(t.app).request('/register', { method: 'POST', json: { email, password: PASSWORD } }))
        .status,
    ).toBe(201)

    const t0 = Date.now()
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        new TestClient(t.app).request('/login', {
          method: 'POST',
          json: i % 2 ? { email, password: PASSWORD } : { email: `nobody-${i}@example.com`, password: PASSWORD },
        }),
      ),
    )
    const elapsed = (Date.now() - t0) / 1000

    const refused = answers.filter((r) => r.status === 503)
    expect(refused.length).toBeGreaterThan(0)
    await expectOverloaded(refused)
    const { hash, verify, verifyDummy, reserve } = hasher.calls
    expect(hash).toBe(1) // the registration; no rehash at unchanged parameters
    expect(verify + verifyDummy).toBe(BURST - refused.length)
    expect(reserve).toBe(BURST - refused.length) // a lease per login that was let in; registration took none
    expect(1 + verify + verifyDummy).toBeLessThanOrEqual(allowed(elapsed) + 1) // +1: the registration, before t0
  })
})

import { describe, expect, it } from 'vitest'
import { createMemoryStores } from '../../src/adapters/stores/memory/index.js'
import { storeUnavailable } from '../../src/adapters/stores/outage.js'
import type { Stores } from '../../src/application/ports.js'
import { TestClient } from '../support/app-harness.js'
import { bodyOf, expectProblem, PASSWORD, post, setup, setupInstrumented, signedIn } from './helpers.js'
import { forgot, NEW_PASSWORD, resetToken, tokenMailed } from './lifecycle-helpers.js'

// The security review of the account lifecycle: each finding that was fixed, as a test that failed
// before the fix.

const THIEF = 'thief@example.net'

describe('a pending address-change link dies when the owner takes the account back', () => {
  it('after a password reset', async () => {
    const t = await setup({ mail: true })
    // The thief holds a session (and the password) and asks to move the account to an address of theirs.
    const thief = await signedIn(t, 'ada@example.com')
    expect((await thief.client.request('/email', post({ password: PASSWORD, newEmail: THIEF }))).status).toBe(202)
    const link = tokenMailed(t, THIEF, 'confirm_new_email')
    // The owner reads the notice and resets the password.
    const reset = await resetToken(t, 'ada@example.com')
    expect(
      (await new TestClient(t.app).request('/password/reset', post({ token: reset, password: NEW_PASSWORD }))).status,
    ).toBe(204)
    await expectProblem(
      await new TestClient(t.app).request('/email/verify', post({ token: link })),
      400,
      'invalid_token',
    )
    expect((await t.stores.users.findByEmail(THIEF as never))?.id).toBeUndefined()
  })

  it('after a password change', async () => {
    const t = await setup({ mail: true })
    const thief = await signedIn(t, 'ada@example.com')
    expect((await thief.client.request('/email', post({ password: PASSWORD, newEmail: THIEF }))).status).toBe(202)
    const link = tokenMailed(t, THIEF, 'confirm_new_email')
    const owner = await signedIn(t, 'ada@example.com')
    const change = post({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
    expect((await owner.client.request('/password', change)).status).toBe(204)
    await expectProblem(
      await new TestClient(t.app).request('/email/verify', post({ token: link })),
      400,
      'invalid_token',
    )
  })
})

describe('an address-change link works with EMAIL_VERIFICATION=off', () => {
  it('POST /email/verify takes the change link while verification mails are off', async () => {
    const t = await setup({ mail: true, policy: { emailVerification: 'off' } })
    const { client } = await signedIn(t, 'ada@example.com')
    expect((await client.request('/email', post({ password: PASSWORD, newEmail: 'ada@example.org' }))).status).toBe(202)
    const res = await new TestClient(t.app).request(
      '/email/verify',
      post({ token: tokenMailed(t, 'ada@example.org', 'confirm_new_email') }),
    )
    expect(res.status).toBe(200)
    expect((await bodyOf(res)).user).toMatchObject({ email: 'ada@example.org', emailVerified: true })
    await expectProblem(await client.request('/email/verify/request', post()), 404, 'not_found')
  })
})

describe('the notice to the old address goes before the link to the new one', () => {
  it('when the notice cannot be sent, no link was mailed at all', async () => {
    const t = await setup({ mail: true })
    const { client } = await signedIn(t, 'ada@example.com')
    await t.background.settled()
    t.outbox.refuses = (m) => m.purpose === 'email_change_notice'
    await expectProblem(
      await client.request('/email', post({ password: PASSWORD, newEmail: THIEF })),
      503,
      'mail_unavailable',
    )
    expect(t.outbox.to(THIEF)).toEqual([])
  })
})

describe('no session outlives a deletion that failed halfway', () => {
  it('sessions go before the account: a failed delete leaves the account, and nobody signed in', async () => {
    const t = await setupInstrumented({ mail: true })
    const { client } = await signedIn(t, 'ada@example.com')
    const other = await signedIn(t, 'ada@example.com')
    const original = t.store.stores.users.delete.bind(t.store.stores.users)
    let failOnce = true
    ;(t.store.stores.users as { delete: Stores['users']['delete'] }).delete = (id) => {
      if (!failOnce) return original(id)
      failOnce = false
      return Promise.reject(storeUnavailable('unreachable'))
    }
    const failed = await client.request('/account', { method: 'DELETE', json: { password: PASSWORD } })
    await expectProblem(failed, 503, 'store_unavailable')
    // Every session was revoked before the account's turn came.
    await expectProblem(await other.client.request('/refresh', post()), 401, 'unauthorized')
    // The account is still there, and its owner can sign in and delete it.
    const again = await signedIn(t, 'ada@example.com')
    expect((await again.client.request('/account', { method: 'DELETE', json: { password: PASSWORD } })).status).toBe(
      204,
    )
  })
})

describe('/password/forgot answers before it looks the address up', () => {
  it('a known address answers 202 while the account store is down behind the answer', async () => {
    const t = await setupInstrumented({ mail: true })
    await signedIn(t, 'ada@example.com')
    const original = t.store.stores.users.findByEmail.bind(t.store.stores.users)
    ;(t.store.stores.users as { findByEmail: Stores['users']['findByEmail'] }).findByEmail = () =>
      Promise.reject(storeUnavailable('unreachable'))
    expect((await forgot(t, 'ada@example.com')).status).toBe(202)
    expect((await forgot(t, 'nobody@example.com')).status).toBe(202)
    await t.background.settled()
    ;(t.store.stores.users as { findByEmail: Stores['users']['findByEmail'] }).findByEmail = original
    expect(t.events.filter((e) => e.name === 'mail_failed')).toHaveLength(2)
  })
})

describe('mail limits per client IP', () => {
  it('one IP causes at most 30 mails an hour across addresses: then 429 with Retry-After', async () => {
    const t = await setup({ mail: true })
    for (let i = 0; i < 30; i++) expect((await forgot(t, `n${i}@example.com`, '203.0.113.50')).status).toBe(202)
    const refused = await forgot(t, 'n30@example.com', '203.0.113.50')
    await expectProblem(refused, 429, 'rate_limited')
    expect((await forgot(t, 'n30@example.com', '203.0.113.51')).status).toBe(202)
  })
})

describe('mail counters cannot crowd out a lockout counter (the memory store bounds its counters)', () => {
  it('with the memory store full of mail counters, logins still work', async () => {
    const t = await setup({ mail: true, stores: createMemoryStores({ maxRateKeys: 20 }) })
    await signedIn(t, 'ada@example.com')
    for (let i = 0; i < 25; i++) await forgot(t, `flood${i}@example.com`, `198.51.100.${i}`)
    const login = await new TestClient(t.app).request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
    expect(login.status, await login.clone().text()).toBe(200)
  })
})

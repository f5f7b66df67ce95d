import bcrypt from 'bcryptjs'
import { describe, expect, it } from 'vitest'
import type { HasherLease, PasswordHasher } from '../../src/application/ports.js'
import type { Email } from '../../src/domain/email.js'
import { importUsers } from '../../src/index.js'
import type { TestApp } from '../support/app-harness.js'
import { expectProblem, PASSWORD, useHasher } from './helpers.js'
import { loginWith, mailSetup, NEW_PASSWORD, resetToken, resetWith } from './lifecycle-helpers.js'

/**
 * The first login of an imported account rehashes its bcrypt or argon2id hash to scrypt. These
 * pin what that rehash must not do, on every store: undo a reset that landed while the legacy
 * check ran, and lose a password the old system hashed before NFKC.
 */

const ADA = 'ada@example.com'
const storedHash = async (t: TestApp, email: string) => (await t.stores.users.findByEmail(email as Email))?.passwordHash

/** The app's hasher, with `during` run after each lease's check of `stored` and before it answers. */
function pausingAfterCheck(inner: PasswordHasher, stored: string, during: () => Promise<void>): PasswordHasher {
  return {
    ...inner,
    async reserve(): Promise<HasherLease> {
      const lease = await inner.reserve()
      return {
        ...lease,
        async verify(s, p, asTyped) {
          const good = await lease.verify(s, p, asTyped)
          if (s === stored) await during()
          return good
        },
        release: () => lease.release(),
      }
    },
  }
}

describe('the rehash of an imported hash at login', () => {
  it('does not undo a password reset that lands while the legacy check runs; the login is refused', async () => {
    const t = await mailSetup()
    const legacy = bcrypt.hashSync(PASSWORD, 4)
    expect(await importUsers(t.stores, [JSON.stringify({ email: ADA, passwordHash: legacy })])).toEqual({
      imported: 1,
      skipped: [],
    })
    const token = await resetToken(t, ADA)
    let reset: Response | undefined
    useHasher(
      t,
      pausingAfterCheck(t.deps.hasher, legacy, async () => {
        reset ??= await resetWith(t, token) // the owner resets while someone logs in with the old password
      }),
    )

    await expectProblem(await loginWith(t, ADA, PASSWORD), 401, 'invalid_credentials')
    expect(reset?.status).toBe(204)
    const after = await storedHash(t, ADA)
    expect(after).not.toBe(legacy)
    expect(await t.deps.hasher.verify(after as string, NEW_PASSWORD), 'the reset is what the store keeps').toBe(true)
    expect(await t.deps.hasher.verify(after as string, PASSWORD)).toBe(false)
    await expectProblem(await loginWith(t, ADA, PASSWORD), 401, 'invalid_credentials')
    expect((await loginWith(t, ADA, NEW_PASSWORD)).status).toBe(200)
  })

  it('logs in with a password the old system hashed as typed (not NFKC), then with scrypt', async () => {
    const t = await mailSetup()
    // Fullwidth letters and a ligature: NFKC makes them `correct` and `fi`.
    const typed = 'ｃｏｒｒｅｃｔ ﬁsh horse staple'
    expect(typed.normalize('NFKC')).not.toBe(typed)
    const legacy = bcrypt.hashSync(typed, 4)
    await importUsers(t.stores, [JSON.stringify({ email: ADA, passwordHash: legacy })])

    await expectProblem(await loginWith(t, ADA, `${typed}!`), 401, 'invalid_credentials')
    expect(await storedHash(t, ADA)).toBe(legacy)
    expect((await loginWith(t, ADA, typed)).status).toBe(200)
    const rehashed = await storedHash(t, ADA)
    expect(rehashed).toMatch(/^\$scrypt\$/)
    // scrypt keeps the NFKC form, as for every other account: the typed form and its NFKC both log in.
    expect((await loginWith(t, ADA, typed)).status).toBe(200)
    expect((await loginWith(t, ADA, typed.normalize('NFKC'))).status).toBe(200)
    expect(await storedHash(t, ADA)).toBe(rehashed)
  })
})

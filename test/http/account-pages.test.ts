import { describe, expect, it } from 'vitest'
import type { SessionId } from '../../src/domain/session.js'
import { TestClient } from '../support/app-harness.js'
import {
  alive,
  bodyOf,
  expectCookiesCleared,
  expectProblem,
  logIn,
  PASSWORD,
  SEC,
  setupInstrumented,
  signedIn,
} from './helpers.js'
import { mailsTo, NEW_PASSWORD } from './lifecycle-helpers.js'
import {
  expectButton,
  expectPage,
  expectSeeOther,
  fieldError,
  formLogIn,
  formPost,
  inputLabelled,
  uiSetup,
} from './page-helpers.js'

const ADA = 'ada@example.com'

describe('account pages: signed in only', () => {
  it.each([
    ['/account', ['Name'], ['Save', 'Log out']],
    ['/account/sessions', [], ['Log out everywhere', 'Log out']],
    ['/account/password', ['Current password', 'New password'], ['Change password']],
    ['/account/email', ['New email', 'Current password'], ['Change email']],
    ['/account/delete', ['Current password'], ['Delete account']],
  ])('GET %s renders its labelled form', async (path, labels, buttons) => {
    const t = await uiSetup({ mail: true })
    const { client } = await signedIn(t, ADA)
    const page = await expectPage(await client.request(path))
    for (const label of labels) inputLabelled(page, label)
    for (const button of buttons) expectButton(page, button)
    expect(page).toContain('action="/ui/logout"')
  })

  it.each([
    ['GET', '/account'],
    ['GET', '/account/sessions'],
    ['GET', '/account/password'],
    ['GET', '/account/delete'],
    ['POST', '/ui/profile'],
    ['POST', '/ui/logout-all'],
  ])('%s %s signed out is a redirect to the login page', async (method, path) => {
    const t = await uiSetup()
    const res = await t.app.request(path, method === 'GET' ? {} : formPost({ name: 'x' }))
    expectSeeOther(res, '/login')
  })

  it('refreshes transparently: an expired access token still opens the page, with new cookies', async () => {
    const t = await uiSetup()
    const { client } = await signedIn(t, ADA)
    const before = client.jar.get('refresh_token')
    t.clock.advance((600 + 31) * SEC) // past the access token's life and its leeway
    await expectPage(await client.request('/account'))
    expect(client.jar.get('refresh_token')).not.toBe(before)
  })

  it('sends a browser whose session was revoked elsewhere to log in, clearing its cookies', async () => {
    const t = await uiSetup()
    const first = await signedIn(t, ADA)
    const second = await logIn(t, ADA)
    // Logged out everywhere from the second browser: the first's access token is still unexpired.
    expect((await second.client.request('/logout-all', { method: 'POST' })).status).toBe(204)
    const res = await first.client.request('/account')
    expectSeeOther(res, '/login')
    expectCookiesCleared(res)
    expect(first.client.jar.size).toBe(0)
  })

  it('GET / shows who is signed in', async () => {
    const t = await uiSetup()
    const { client } = await signedIn(t, ADA)
    expect(await expectPage(await client.request('/'))).toContain(`<strong>${ADA}</strong>`)
  })
})

describe('account pages: the forms', () => {
  it('saves the name, and re-renders a bad one next to the field with the input kept', async () => {
    const t = await uiSetup()
    const { client } = await signedIn(t, ADA)
    expectSeeOther(await client.request('/ui/profile', formPost({ name: 'Ada L.' })), '/account?done=saved')
    expect((await bodyOf(await client.request('/profile'))).user).toMatchObject({ name: 'Ada L.' })
    const page = await expectPage(await client.request('/ui/profile', formPost({ name: '  ' })), 400)
    expect(fieldError(page, 'Name')).toMatch(/^Name must be/)
  })

  it('reads the session once for a form: the page’s check counts for the use case behind it', async () => {
    const t = await setupInstrumented({ ui: true })
    const { client } = await signedIn(t, ADA)
    const before = t.store.calls.length
    expectSeeOther(await client.request('/ui/profile', formPost({ name: 'Ada L.' })), '/account?done=saved')
    expect(t.store.calls.slice(before).filter((call) => call === 'sessions.find')).toHaveLength(1)
  })

  it('sends a new confirmation link from the profile while the address is unconfirmed', async () => {
    const t = await uiSetup({ mail: true })
    const { client } = await signedIn(t, ADA)
    const page = await expectPage(await client.request('/account'))
    expectButton(page, 'Send confirmation link')
    await t.background.settled()
    const before = mailsTo(t, ADA, 'verify_email').length
    const res = await client.request('/ui/email/verify/request', formPost({}))
    expectSeeOther(res, '/account?done=confirmation-sent')
    await t.background.settled()
    expect(mailsTo(t, ADA, 'verify_email')).toHaveLength(before + 1)
  })

  it('lists the sessions and revokes one; revoking this one logs out', async () => {
    const t = await uiSetup()
    const { client, sessionId } = await signedIn(t, ADA)
    const other = await logIn(t, ADA)
    const page = await expectPage(await client.request('/account/sessions'))
    expect(page).toContain(`value="${other.sessionId}"`)
    const revoke = await client.request('/ui/sessions/revoke', formPost({ id: other.sessionId }))
    expectSeeOther(revoke, '/account/sessions?done=revoked')
    expect(await alive(t, other.sessionId)).toBe(false)
    const gone = await expectPage(await client.request('/ui/sessions/revoke', formPost({ id: other.sessionId })), 404)
    expect(gone).toContain('role="alert"')
    expectSeeOther(await client.request('/ui/sessions/revoke', formPost({ id: sessionId })), '/login?done=logged-out')
    expect(client.jar.size).toBe(0)
  })

  it('logs out everywhere', async () => {
    const t = await uiSetup()
    const { client, sessionId } = await signedIn(t, ADA)
    const other = await logIn(t, ADA)
    expectSeeOther(await client.request('/ui/logout-all', formPost({})), '/login?done=logged-out')
    expect(await alive(t, sessionId)).toBe(false)
    expect(await alive(t, other.sessionId as SessionId)).toBe(false)
  })

  it('changes the password; a wrong current one is shown at its field and never echoed', async () => {
    const t = await uiSetup()
    const { client } = await signedIn(t, ADA)
    const wrong = formPost({ currentPassword: 'not it at all 1', newPassword: NEW_PASSWORD })
    const page = await expectPage(await client.request('/ui/password', wrong), 401)
    expect(fieldError(page, 'Current password')).toMatch(/not right/)
    expect(page).not.toContain('not it at all 1')
    expect(page).not.toContain(NEW_PASSWORD)
    const weak = await expectPage(
      await client.request('/ui/password', formPost({ currentPassword: PASSWORD, newPassword: 'x' })),
      400,
    )
    expect(fieldError(weak, 'New password')).toMatch(/shorter than 8/)
    const ok = formPost({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
    expectSeeOther(await client.request('/ui/password', ok), '/account/password?done=password-changed')
    await formLogIn(new TestClient(t.app), ADA, NEW_PASSWORD)
  })

  it('asks to change the address: a mail to the new one, the old one kept until the link', async () => {
    const t = await uiSetup({ mail: true })
    const { client } = await signedIn(t, ADA)
    const ok = formPost({ newEmail: 'lovelace@example.com', password: PASSWORD })
    expectSeeOther(await client.request('/ui/email', ok), '/account/email?done=email-sent')
    await t.background.settled()
    expect(mailsTo(t, 'lovelace@example.com', 'confirm_new_email')).toHaveLength(1)
    expect((await bodyOf(await client.request('/profile'))).user).toMatchObject({ email: ADA })
    const bad = await expectPage(
      await client.request('/ui/email', formPost({ newEmail: 'x@example.com', password: 'nope nope 1' })),
      401,
    )
    expect(fieldError(bad, 'Current password')).toMatch(/not right/)
    expect(inputLabelled(bad, 'New email')).toContain('value="x@example.com"')
  })

  it('deletes the account with the password; a wrong one keeps it', async () => {
    const t = await uiSetup()
    const { client } = await signedIn(t, ADA)
    const page = await expectPage(
      await client.request('/ui/account/delete', formPost({ password: 'wrong one 123' })),
      401,
    )
    expect(fieldError(page, 'Current password')).toMatch(/not right/)
    expect(await expectPage(await client.request('/account/delete'))).toContain('data-confirm=')
    expectSeeOther(await client.request('/ui/account/delete', formPost({ password: PASSWORD })), '/?done=deleted')
    expect(client.jar.size).toBe(0)
    expect(await t.stores.users.findByEmail(ADA as never)).toBeNull()
  })

  it('refuses a cross-site post to a signed-in form', async () => {
    const t = await uiSetup()
    const { client } = await signedIn(t, ADA)
    const res = await client.request(
      '/ui/account/delete',
      formPost({ password: PASSWORD }, { 'sec-fetch-site': 'cross-site' }),
    )
    await expectProblem(res, 403, 'forbidden_origin')
    expect(await t.stores.users.findByEmail(ADA as never)).not.toBeNull()
  })
})

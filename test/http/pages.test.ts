import { describe, expect, it } from 'vitest'
import { TestClient } from '../support/app-harness.js'
import { bodyOf, expectProblem, PASSWORD, post, setup, signedIn } from './helpers.js'
import { NEW_PASSWORD, tokenMailed } from './lifecycle-helpers.js'
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

describe('pages: what a signed-out person sees', () => {
  it.each([
    ['/register', ['Email', 'Password', 'Name'], ['Register']],
    ['/login', ['Email', 'Password'], ['Log in']],
    ['/forgot-password', ['Email'], ['Send reset link']],
    ['/reset-password?token=abc', ['New password'], ['Reset password']],
    ['/verify-email?token=abc', [], ['Verify email']],
  ])('GET %s renders its labelled form', async (path, labels, buttons) => {
    const t = await uiSetup({ mail: true })
    const page = await expectPage(await t.app.request(path))
    for (const label of labels) inputLabelled(page, label)
    for (const button of buttons) expectButton(page, button)
    expect(page).toContain('<link rel="stylesheet" href="/ui/style.css">')
  })

  it('GET / links to logging in and registering', async () => {
    const t = await uiSetup()
    const page = await expectPage(await t.app.request('/'))
    expect(page).toContain('href="/login"')
    expect(page).toContain('href="/register"')
  })

  it('serves one stylesheet and one script of its own, cacheable', async () => {
    const t = await uiSetup()
    const css = await t.app.request('/ui/style.css')
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(css.headers.get('cache-control')).toBe('public, max-age=3600')
    const js = await t.app.request('/ui/app.js')
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(await js.text()).toContain('data-confirm')
  })
})

describe('pages: register and log in through forms', () => {
  it('registers, then logs in with cookies and lands on the account', async () => {
    const t = await uiSetup()
    const client = new TestClient(t.app)
    const reg = await client.request('/ui/register', formPost({ email: ADA, password: PASSWORD, name: 'Ada' }))
    expectSeeOther(reg, '/login?done=registered')
    expect(await expectPage(await client.request('/login?done=registered'))).toContain('role="status"')
    await formLogIn(client, ADA, PASSWORD)
    expect(client.jar.get('access_token')).toBeTruthy()
    expect(client.jar.get('refresh_token')).toBeTruthy()
    const me = await bodyOf(await client.request('/profile'))
    expect(me.user).toMatchObject({ email: ADA, name: 'Ada' })
  })

  it('re-renders a bad registration with the error next to the field, the input kept, never the password', async () => {
    const t = await uiSetup()
    const res = await t.app.request(
      '/ui/register',
      formPost({ email: 'not-an-email', password: 'short-pw1', name: 'Ad<a>' }),
    )
    const page = await expectPage(res, 400)
    expect(fieldError(page, 'Email')).toMatch(/not a valid address/)
    expect(inputLabelled(page, 'Email')).toContain('value="not-an-email"')
    expect(inputLabelled(page, 'Name')).toContain('value="Ad&lt;a&gt;"')
    expect(page).not.toContain('short-pw1')
    const short = await expectPage(await t.app.request('/ui/register', formPost({ email: ADA, password: 'x' })), 400)
    expect(fieldError(short, 'Password')).toMatch(/shorter than 8/)
  })

  it('says a taken address next to the email field', async () => {
    const t = await uiSetup()
    await t.app.request('/ui/register', formPost({ email: ADA, password: PASSWORD }))
    const page = await expectPage(
      await t.app.request('/ui/register', formPost({ email: ADA, password: PASSWORD })),
      409,
    )
    expect(fieldError(page, 'Email')).toMatch(/already exists/)
  })

  it('re-renders a wrong password with the error at the password, the email kept, no cookie', async () => {
    const t = await uiSetup()
    await signedIn(t, ADA)
    const res = await t.app.request('/ui/login', formPost({ email: ADA, password: 'wrong password 1' }))
    expect(res.headers.getSetCookie()).toEqual([])
    const page = await expectPage(res, 401)
    expect(fieldError(page, 'Password')).toMatch(/not right/)
    expect(inputLabelled(page, 'Email')).toContain(`value="${ADA}"`)
    expect(page).not.toContain('wrong password 1')
  })

  it('logs out through the form: cookies cleared, session revoked', async () => {
    const t = await uiSetup()
    const { client, sessionId } = await signedIn(t, ADA)
    expectSeeOther(await client.request('/ui/logout', formPost({})), '/login?done=logged-out')
    expect(client.jar.size).toBe(0)
    expect(await t.stores.sessions.find(sessionId as never, t.clock.now())).toBeNull()
  })

  it('refuses a cross-site form post before any work, and a body that is not a form', async () => {
    const t = await uiSetup()
    const cross = formPost({ email: ADA, password: PASSWORD }, { 'sec-fetch-site': 'cross-site' })
    await expectProblem(await t.app.request('/ui/register', cross), 403, 'forbidden_origin')
    const evil = formPost({ email: ADA, password: PASSWORD }, { origin: 'https://evil.example' })
    await expectProblem(await t.app.request('/ui/login', evil), 403, 'forbidden_origin')
    expect(await t.stores.users.findByEmail(ADA as never)).toBeNull()
    await expectProblem(
      await t.app.request('/ui/login', post({ email: ADA, password: PASSWORD })),
      415,
      'unsupported_media_type',
    )
  })
})

describe('pages: the mail links', () => {
  it('opening the reset link consumes nothing; its form resets the password', async () => {
    const t = await uiSetup({ mail: true })
    await signedIn(t, ADA)
    expectSeeOther(await t.app.request('/ui/forgot-password', formPost({ email: ADA })), '/forgot-password?done=sent')
    await t.background.settled()
    const token = tokenMailed(t, ADA, 'reset_password')
    const page = await expectPage(await t.app.request(`/reset-password?token=${encodeURIComponent(token)}`))
    expect(page).toContain(`<input type="hidden" name="token" value="${token}">`)
    await t.app.request(`/reset-password?token=${encodeURIComponent(token)}`)
    const weak = await expectPage(await t.app.request('/ui/reset-password', formPost({ token, password: 'x' })), 400)
    expect(fieldError(weak, 'New password')).toMatch(/shorter than 8/)
    expectSeeOther(
      await t.app.request('/ui/reset-password', formPost({ token, password: NEW_PASSWORD })),
      '/login?done=reset',
    )
    await formLogIn(new TestClient(t.app), ADA, NEW_PASSWORD)
    const again = await expectPage(
      await t.app.request('/ui/reset-password', formPost({ token, password: NEW_PASSWORD })),
      400,
    )
    expect(again).toMatch(/role="alert">This link has expired or was already used/)
  })

  it('opening the verify link consumes nothing; its button verifies', async () => {
    const t = await uiSetup({ mail: true })
    const { client } = await signedIn(t, ADA)
    await t.background.settled()
    const token = tokenMailed(t, ADA, 'verify_email')
    await expectPage(await t.app.request(`/verify-email?token=${encodeURIComponent(token)}`))
    expect(((await bodyOf(await client.request('/profile'))).user as { emailVerified: boolean }).emailVerified).toBe(
      false,
    )
    expectSeeOther(await t.app.request('/ui/verify-email', formPost({ token })), '/?done=verified')
    expect(((await bodyOf(await client.request('/profile'))).user as { emailVerified: boolean }).emailVerified).toBe(
      true,
    )
    const used = await expectPage(await t.app.request('/ui/verify-email', formPost({ token })), 400)
    expect(used).toContain('role="alert"')
  })

  it('escapes a token from the URL', async () => {
    const t = await uiSetup({ mail: true })
    const page = await expectPage(
      await t.app.request(`/reset-password?token=${encodeURIComponent('"><script>x</script>')}`),
    )
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"')
  })
})

describe('pages: the JSON API stays as it is', () => {
  it('answers JSON on the JSON routes with the pages on, and lists GET in Allow where a page shares a path', async () => {
    const t = await uiSetup()
    await signedIn(t, ADA)
    const res = await new TestClient(t.app).request('/login', post({ email: ADA, password: PASSWORD }))
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect((await bodyOf(res)).user).toMatchObject({ email: ADA })
    const put = await t.app.request('/login', { method: 'PUT' })
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST')
    await expectProblem(put, 405, 'method_not_allowed')
    expect((await t.app.request('/account', { method: 'PUT' })).headers.get('allow')).toBe('GET, HEAD, DELETE')
    await expectProblem(await t.app.request('/ui/login'), 405, 'method_not_allowed')
  })

  it('has no pages with the UI off: the paths answer as before', async () => {
    const t = await setup({ mail: true })
    await expectProblem(await t.app.request('/'), 404, 'not_found')
    await expectProblem(await t.app.request('/login'), 405, 'method_not_allowed')
    await expectProblem(await t.app.request('/register'), 405, 'method_not_allowed')
    await expectProblem(await t.app.request('/account/sessions'), 404, 'not_found')
    await expectProblem(await t.app.request('/reset-password?token=x'), 404, 'not_found')
    await expectProblem(await t.app.request('/ui/style.css'), 404, 'not_found')
    await expectProblem(
      await t.app.request('/ui/login', formPost({ email: ADA, password: PASSWORD })),
      404,
      'not_found',
    )
  })

  it('leaves the mail pages out when mail is off', async () => {
    const t = await uiSetup()
    await expectProblem(await t.app.request('/forgot-password'), 404, 'not_found')
    await expectProblem(await t.app.request('/verify-email?token=x'), 404, 'not_found')
    expect(await expectPage(await t.app.request('/login'))).not.toContain('/forgot-password')
  })
})

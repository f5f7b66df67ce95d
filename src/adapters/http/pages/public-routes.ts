import type { Hono } from 'hono'
import { verifyEmail } from '../../../application/email-verification.js'
import { login } from '../../../application/login.js'
import { logout } from '../../../application/logout.js'
import { forgotPassword, resetPassword } from '../../../application/passwords.js'
import { getProfile } from '../../../application/profile.js'
import { register } from '../../../application/register.js'
import { limitBody } from '../auth-routes.js'
import { bearerToken } from '../guards.js'
import { mailingDeps, requestDeps } from '../request-log.js'
import type { AuthEnv } from '../require-auth.js'
import { errorsFor, formOnly, identityOf, readForm } from './forms.js'
import { onlyWhen, type PageParts, seeOther, show } from './page-kit.js'
import {
  forgotView,
  homeSignedIn,
  homeSignedOut,
  loginView,
  noticeOf,
  registerView,
  resetView,
  verifyView,
} from './public-views.js'

/**
 * The pages a signed-out person uses: home, register, log in, log out, and the two mail links.
 * Each form posts to `/ui/<action>`, calls the use case the JSON route calls, and answers 303 to
 * the next page, or the page again with the problem next to its field.
 */
export function mountPublicPages(app: Hono<AuthEnv>, parts: PageParts): void {
  const { deps, config, jar, requireAuth, features } = parts
  const ip = (c: Parameters<typeof config.clientIp>[0]) => config.clientIp(c)
  const post = [limitBody, formOnly] as const
  const done = (c: { req: { query(name: string): string | undefined } }) => noticeOf(c.req.query('done'))

  app.get('/', async (c) => {
    const identity = await identityOf(c, requireAuth)
    if (identity instanceof Response) return identity
    const user = identity && (await getProfile(deps, identity))
    if (user?.ok)
      return show(c, parts, { title: 'Your account', content: homeSignedIn(user.value, done(c)), signedIn: true })
    return show(c, parts, { title: 'Welcome', content: homeSignedOut(features, done(c)), signedIn: false })
  })

  app.get('/register', (c) => show(c, parts, { title: 'Register', content: registerView({}, {}), signedIn: false }))
  app.post('/ui/register', ...post, async (c) => {
    const { email = '', password = '', name = '' } = await readForm(c)
    const input = { email, password, ...(name.trim() !== '' && { name }), ip: ip(c) }
    const result = await register(mailingDeps(deps, c), input)
    if (result.ok) return seeOther(c, '/login?done=registered')
    const errors = errorsFor(result, { fields: ['email', 'name'], fallback: 'password' })
    const content = registerView(errors, { email, name })
    return show(c, parts, { title: 'Register', content, signedIn: false, failed: result.error })
  })

  app.get('/login', (c) =>
    show(c, parts, { title: 'Log in', content: loginView(features, {}, {}, done(c)), signedIn: false }),
  )
  app.post('/ui/login', ...post, async (c) => {
    const { email = '', password = '' } = await readForm(c)
    const userAgent = c.req.header('user-agent') ?? null
    const result = await login(requestDeps(deps, c), { email, password, ip: ip(c), userAgent })
    if (result.ok) {
      jar.set(c, result.value, deps.clock.now())
      return seeOther(c, '/account')
    }
    const errors = errorsFor(result, { fields: ['email'], fallback: 'password', credentials: 'password' })
    const content = loginView(features, errors, { email })
    return show(c, parts, { title: 'Log in', content, signedIn: false, failed: result.error })
  })

  app.post('/ui/logout', ...post, async (c) => {
    const cookies = jar.read(c)
    const accessToken = bearerToken(c.req.header('authorization')) ?? cookies.access
    await logout(requestDeps(deps, c), { accessToken, refreshToken: cookies.refresh, ip: ip(c) })
    jar.clear(c)
    return seeOther(c, '/login?done=logged-out')
  })

  const reset = onlyWhen(features.passwordReset)
  app.get('/forgot-password', reset, (c) =>
    show(c, parts, { title: 'Forgot password', content: forgotView({}, {}, done(c)), signedIn: false }),
  )
  app.post('/ui/forgot-password', reset, ...post, async (c) => {
    const { email = '' } = await readForm(c)
    const result = await forgotPassword(mailingDeps(deps, c), { email, ip: ip(c) })
    if (result.ok) return seeOther(c, '/forgot-password?done=sent')
    const content = forgotView(errorsFor(result, { fields: [], fallback: 'email' }), { email })
    return show(c, parts, { title: 'Forgot password', content, signedIn: false, failed: result.error })
  })

  // The mail links: opening one renders a form; only its POST spends the token.
  app.get('/reset-password', reset, (c) =>
    show(c, parts, { title: 'Reset password', content: resetView(c.req.query('token') ?? '', {}), signedIn: false }),
  )
  app.post('/ui/reset-password', reset, ...post, async (c) => {
    const { token = '', password = '' } = await readForm(c)
    const result = await resetPassword(mailingDeps(deps, c), { token, password, ip: ip(c) })
    if (result.ok) return seeOther(c, '/login?done=reset')
    const content = resetView(token, errorsFor(result, { fields: [], fallback: 'password' }))
    return show(c, parts, { title: 'Reset password', content, signedIn: false, failed: result.error })
  })

  const mail = onlyWhen(features.mail)
  app.get('/verify-email', mail, (c) =>
    show(c, parts, { title: 'Verify email', content: verifyView(c.req.query('token') ?? '', {}), signedIn: false }),
  )
  app.post('/ui/verify-email', mail, ...post, async (c) => {
    const { token = '' } = await readForm(c)
    const result = await verifyEmail(requestDeps(deps, c), { token, ip: ip(c) })
    if (result.ok) return seeOther(c, '/?done=verified')
    const content = verifyView(token, errorsFor(result, { fields: [], fallback: 'form' }))
    return show(c, parts, { title: 'Verify email', content, signedIn: false, failed: result.error })
  })
}

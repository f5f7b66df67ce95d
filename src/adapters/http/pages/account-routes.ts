import type { Context, Hono } from 'hono'
import { deleteAccount, requestEmailChange } from '../../../application/account.js'
import type { Identity } from '../../../application/deps.js'
import { requestVerification } from '../../../application/email-verification.js'
import { logoutAll } from '../../../application/logout.js'
import { changePassword } from '../../../application/passwords.js'
import { getProfile, updateProfile } from '../../../application/profile.js'
import { listSessions, revokeSession } from '../../../application/sessions.js'
import type { ErrorCode } from '../../../domain/errors.js'
import type { PublicUser } from '../../../domain/user.js'
import { limitBody } from '../auth-routes.js'
import { mailingDeps, requestDeps } from '../request-log.js'
import type { AuthEnv } from '../require-auth.js'
import { deleteView, emailView, passwordView, profileView, sessionsView } from './account-views.js'
import { errorsFor, formOnly, readForm, signedInOnly } from './forms.js'
import type { Errors, Html } from './layout.js'
import { onlyWhen, type PageParts, seeOther, show } from './page-kit.js'
import { noticeOf } from './public-views.js'

/**
 * The signed-in pages under `/account`, their forms posting to `/ui/<action>`. The same
 * `requireAuth` as the JSON routes (a transparent refresh included); signed out, a redirect to
 * the login page. The use cases confirm the session is live before they write.
 */
export function mountAccountPages(app: Hono<AuthEnv>, parts: PageParts): void {
  const { deps, config, jar, requireAuth, features } = parts
  const ip = (c: Context) => config.clientIp(c)
  const auth = signedInOnly(requireAuth, deps, jar)
  const post = [limitBody, formOnly, auth] as const
  const done = (c: Context) => noticeOf(c.req.query('done'))
  const page = (c: Context, title: string, content: Html, failed?: ErrorCode) =>
    show(c, parts, { title, content, signedIn: true, failed })
  /** The signed-in user, or the login page when the account is gone. */
  const withUser = async (
    c: Context<AuthEnv>,
    then: (user: PublicUser, identity: Identity) => Response | Promise<Response>,
  ) => {
    const result = await getProfile(deps, c.get('auth'))
    return result.ok ? then(result.value, c.get('auth')) : seeOther(c, '/login')
  }

  const canVerify = features.verification
  const profile = (c: Context<AuthEnv>, errors: Errors, input: { name?: string }, failed?: ErrorCode) =>
    withUser(c, (user) => page(c, 'Profile', profileView(user, errors, { ...input, canVerify }, done(c)), failed))
  app.get('/account', auth, (c) => profile(c, {}, {}))
  app.post('/ui/profile', ...post, async (c) => {
    const { name = '' } = await readForm(c)
    const result = await updateProfile(deps, { identity: c.get('auth'), name })
    if (result.ok) return seeOther(c, '/account?done=saved')
    if (result.error === 'unauthorized') return seeOther(c, '/login')
    return profile(c, errorsFor(result, { fields: [], fallback: 'name' }), { name }, result.error)
  })

  app.post('/ui/email/verify/request', onlyWhen(canVerify), ...post, async (c) => {
    const result = await requestVerification(requestDeps(deps, c), { identity: c.get('auth'), ip: ip(c) })
    if (result.ok) return seeOther(c, '/account?done=confirmation-sent')
    if (result.error === 'unauthorized') return seeOther(c, '/login')
    return profile(c, errorsFor(result, { fields: [], fallback: 'form' }), {}, result.error)
  })

  const sessions = async (c: Context<AuthEnv>, errors: Errors, failed?: ErrorCode) => {
    const result = await listSessions(deps, c.get('auth'))
    if (!result.ok) return seeOther(c, '/login')
    return page(c, 'Sessions', sessionsView(result.value.sessions, errors, done(c)), failed)
  }
  app.get('/account/sessions', auth, (c) => sessions(c, {}))
  app.post('/ui/sessions/revoke', ...post, async (c) => {
    const { id = '' } = await readForm(c)
    const result = await revokeSession(requestDeps(deps, c), { identity: c.get('auth'), sessionId: id, ip: ip(c) })
    if (!result.ok) {
      if (result.error === 'unauthorized') return seeOther(c, '/login')
      return sessions(c, errorsFor(result, { fields: [], fallback: 'form' }), result.error)
    }
    if (!result.value.current) return seeOther(c, '/account/sessions?done=revoked')
    jar.clear(c)
    return seeOther(c, '/login?done=logged-out')
  })
  app.post('/ui/logout-all', ...post, async (c) => {
    await logoutAll(requestDeps(deps, c), { identity: c.get('auth'), ip: ip(c) })
    jar.clear(c)
    return seeOther(c, '/login?done=logged-out')
  })

  app.get('/account/password', auth, (c) => page(c, 'Change password', passwordView({}, done(c))))
  app.post('/ui/password', ...post, async (c) => {
    const { currentPassword = '', newPassword = '' } = await readForm(c)
    const input = { currentPassword, newPassword, identity: c.get('auth'), ip: ip(c) }
    const result = await changePassword(mailingDeps(deps, c), input)
    if (result.ok) return seeOther(c, '/account/password?done=password-changed')
    if (result.error === 'unauthorized') return seeOther(c, '/login')
    const place = { fields: ['newPassword'], fallback: 'newPassword', credentials: 'currentPassword', current: true }
    return page(c, 'Change password', passwordView(errorsFor(result, place)), result.error)
  })

  const mail = onlyWhen(features.mail)
  const email = (c: Context<AuthEnv>, errors: Errors, input: { newEmail?: string }, failed?: ErrorCode) =>
    withUser(c, (user) => page(c, 'Change email', emailView(user, errors, input, done(c)), failed))
  app.get('/account/email', mail, auth, (c) => email(c, {}, {}))
  app.post('/ui/email', mail, ...post, async (c) => {
    const { newEmail = '', password = '' } = await readForm(c)
    const input = { newEmail, password, identity: c.get('auth'), ip: ip(c) }
    const result = await requestEmailChange(requestDeps(deps, c), input)
    if (result.ok) return seeOther(c, '/account/email?done=email-sent')
    if (result.error === 'unauthorized') return seeOther(c, '/login')
    const place = { fields: ['password'], fallback: 'newEmail', credentials: 'password', current: true }
    const errors = errorsFor(result, place)
    // The use case calls the address `email` when it is taken; the field here is `newEmail`.
    const shown = errors.email ? { newEmail: errors.email } : errors
    return email(c, shown, { newEmail }, result.error)
  })

  app.get('/account/delete', auth, (c) => page(c, 'Delete account', deleteView({})))
  app.post('/ui/account/delete', ...post, async (c) => {
    const { password = '' } = await readForm(c)
    const result = await deleteAccount(requestDeps(deps, c), { password, identity: c.get('auth'), ip: ip(c) })
    if (result.ok) {
      jar.clear(c)
      return seeOther(c, '/?done=deleted')
    }
    if (result.error === 'unauthorized') return seeOther(c, '/login')
    const place = { fields: [], fallback: 'password', credentials: 'password', current: true }
    return page(c, 'Delete account', deleteView(errorsFor(result, place)), result.error)
  })
}

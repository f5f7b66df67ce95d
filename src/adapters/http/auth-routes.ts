import { Hono, type MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { BlankInput } from 'hono/types'
import { deleteAccount, exportAccount, requestEmailChange } from '../../application/account.js'
import type { Deps } from '../../application/deps.js'
import { requestVerification, verifyEmail } from '../../application/email-verification.js'
import { login } from '../../application/login.js'
import { logout, logoutAll } from '../../application/logout.js'
import { changePassword, forgotPassword, resetPassword } from '../../application/passwords.js'
import { getProfile, updateProfile } from '../../application/profile.js'
import { refresh } from '../../application/refresh.js'
import { register } from '../../application/register.js'
import { listSessions, revokeSession } from '../../application/sessions.js'
import { createAdminRoutes } from './admin-routes.js'
import type { HttpConfig } from './config.js'
import type { CookieJar } from './cookies.js'
import { bearerToken, emptyOrJson, jsonOnly, originGuard, STATE_CHANGING } from './guards.js'
import { answerOtherMethods } from './method-not-allowed.js'
import { type ProblemResponse, problem } from './problem.js'
import {
  ChangeEmailBody,
  ChangePasswordBody,
  DeleteAccountBody,
  ForgotBody,
  jsonBody,
  LoginBody,
  ProfileBody,
  RegisterBody,
  ResetBody,
  TokenBody,
} from './request-bodies.js'
import { mailingDeps, requestDeps } from './request-log.js'
import type { AuthEnv, RequireAuth } from './require-auth.js'
import { keepContextHeaders, reply, shareable } from './security-headers.js'
import { accountExportJson, isoTime, type SessionInfoJson, sessionJson, userJson } from './views.js'

/**
 * Bodies over 16 KiB, chunked or not, get 413 and `Connection: close`. Only on the routes that
 * take a body, so a wrong method or path is a 405 or 404 whatever it sends, and GET never asks a
 * Node request for its body (which would build a full `Request` on the hot path). Typed with its
 * answer, which `onError` gives, so `hc` sees the 413.
 */
export const limitBody = bodyLimit({
  maxSize: 16 * 1024,
  onError: (c) => {
    c.header('Connection', 'close')
    return problem(c, 'payload_too_large')
  },
}) as MiddlewareHandler<AuthEnv, string, BlankInput, ProblemResponse<'payload_too_large'>>

/**
 * A route that exists only when its feature is on (`EMAIL_VERIFICATION`, `PASSWORD_RESET`, a
 * mailer): off, it is the 404 of any unknown path, before any other work. Always registered, so
 * the typed client and the document know it.
 */
const onlyWhen = (on: boolean) =>
  (async (c, next) => {
    if (!on) return problem(c, 'not_found')
    await next()
  }) as MiddlewareHandler<AuthEnv, string, BlankInput, ProblemResponse<'not_found'>>

/**
 * How long another service may cache the JWKS: a key rotation reaches verifiers that cache it
 * within this many seconds (docs/http-contract.md, "Keys and tokens other services verify").
 */
export const JWKS_MAX_AGE = 300

/**
 * The contract's routes, top to bottom: parse, call the use case, map the result. One chained
 * expression, so that its type carries every route's input and answers for `hc<typeof routes>`.
 */
export function createAuthRoutes(
  deps: Deps,
  config: HttpConfig,
  jar: CookieJar,
  requireAuth: RequireAuth,
  /** Routes mounted before these on the same paths (the pages), listed in their 405s' `Allow`. */
  before: Hono['routes'] = [],
) {
  const ip = (c: Parameters<HttpConfig['clientIp']>[0]) => config.clientIp(c)
  const verification = onlyWhen(deps.policy.emailVerification !== 'off' && deps.mailer !== undefined)
  const passwordReset = onlyWhen(deps.policy.passwordReset && deps.mailer !== undefined)
  const mail = onlyWhen(deps.mailer !== undefined)
  const app = new Hono<AuthEnv>()
  // Cross-site refusal, then size, then content type, then authentication, then the body: each
  // before any work. Only the methods the guard refuses run it: a GET skips one middleware layer.
  // Registered first, outside the chain: in it, its `*` would be a route of its own to `hc`.
  app.on(STATE_CHANGING, '*', originGuard(config, deps.log))

  const routes = app
    .post('/register', limitBody, jsonOnly, jsonBody(RegisterBody), async (c) => {
      const result = await register(mailingDeps(deps, c), { ...c.req.valid('json'), ip: ip(c) })
      if (!result.ok) return problem(c, result.error, result)
      return reply(c, { user: userJson(result.value) }, 201)
    })

    .post('/login', limitBody, jsonOnly, jsonBody(LoginBody), async (c) => {
      const userAgent = c.req.header('user-agent') ?? null
      const result = await login(requestDeps(deps, c), { ...c.req.valid('json'), ip: ip(c), userAgent })
      if (!result.ok) return problem(c, result.error, result)
      jar.set(c, result.value, deps.clock.now())
      return reply(c, {
        user: userJson(result.value.user),
        accessTokenExpiresAt: isoTime(result.value.accessTokenExpiresAt),
        refreshTokenExpiresAt: isoTime(result.value.refreshTokenExpiresAt),
      })
    })

    .post('/refresh', limitBody, emptyOrJson, async (c) => {
      const result = await refresh(requestDeps(deps, c), { refreshToken: jar.read(c).refresh, ip: ip(c) })
      if (!result.ok) {
        if (result.error === 'refresh_reused' || result.error === 'account_disabled') jar.clear(c)
        return problem(c, result.error, result)
      }
      jar.set(c, result.value, deps.clock.now())
      return reply(c, {
        accessTokenExpiresAt: isoTime(result.value.accessTokenExpiresAt),
        refreshTokenExpiresAt: isoTime(result.value.refreshTokenExpiresAt),
      })
    })

    .post('/logout', limitBody, emptyOrJson, async (c) => {
      const cookies = jar.read(c)
      const bearer = bearerToken(c.req.header('authorization')) ?? undefined
      await logout(requestDeps(deps, c), {
        accessToken: bearer ?? cookies.access,
        refreshToken: cookies.refresh,
        ip: ip(c),
      })
      jar.clear(c)
      return c.body(null, 204)
    })

    .post('/logout-all', limitBody, emptyOrJson, requireAuth, async (c) => {
      const result = await logoutAll(requestDeps(deps, c), { identity: c.get('auth'), ip: ip(c) })
      if (!result.ok) return problem(c, result.error)
      jar.clear(c)
      return c.body(null, 204)
    })

    .get('/session', requireAuth, (c) => {
      const { userId, sessionId, accessTokenExpiresAt } = c.get('auth')
      const body: SessionInfoJson = { userId, sessionId, accessTokenExpiresAt: isoTime(accessTokenExpiresAt) }
      return reply(c, body)
    })

    .get('/profile', requireAuth, async (c) => {
      const result = await getProfile(deps, c.get('auth'))
      return result.ok ? reply(c, { user: userJson(result.value) }) : problem(c, result.error)
    })

    .post('/profile', limitBody, jsonOnly, requireAuth, jsonBody(ProfileBody), async (c) => {
      const result = await updateProfile(deps, { identity: c.get('auth'), name: c.req.valid('json').name })
      return result.ok ? reply(c, { user: userJson(result.value) }) : problem(c, result.error, result)
    })

    .get('/sessions', requireAuth, async (c) => {
      const result = await listSessions(deps, c.get('auth'))
      return result.ok ? reply(c, { sessions: result.value.sessions.map(sessionJson) }) : problem(c, result.error)
    })

    .delete('/sessions/:id', limitBody, requireAuth, async (c) => {
      const result = await revokeSession(requestDeps(deps, c), {
        identity: c.get('auth'),
        sessionId: c.req.param('id'),
        ip: ip(c),
      })
      if (!result.ok) return problem(c, result.error)
      if (result.value.current) jar.clear(c)
      return c.body(null, 204)
    })

    .post('/email/verify/request', verification, limitBody, emptyOrJson, requireAuth, async (c) => {
      const result = await requestVerification(requestDeps(deps, c), { identity: c.get('auth'), ip: ip(c) })
      return result.ok ? reply(c, {}, 202) : problem(c, result.error, result)
    })

    .post('/email/verify', mail, limitBody, jsonOnly, jsonBody(TokenBody), async (c) => {
      const result = await verifyEmail(requestDeps(deps, c), { token: c.req.valid('json').token, ip: ip(c) })
      return result.ok ? reply(c, { user: userJson(result.value) }) : problem(c, result.error, result)
    })

    .post('/password/forgot', passwordReset, limitBody, jsonOnly, jsonBody(ForgotBody), async (c) => {
      const result = await forgotPassword(mailingDeps(deps, c), { email: c.req.valid('json').email, ip: ip(c) })
      return result.ok ? reply(c, {}, 202) : problem(c, result.error, result)
    })

    .post('/password/reset', passwordReset, limitBody, jsonOnly, jsonBody(ResetBody), async (c) => {
      const result = await resetPassword(mailingDeps(deps, c), { ...c.req.valid('json'), ip: ip(c) })
      return result.ok ? c.body(null, 204) : problem(c, result.error, result)
    })

    .post('/password', limitBody, jsonOnly, requireAuth, jsonBody(ChangePasswordBody), async (c) => {
      const input = { ...c.req.valid('json'), identity: c.get('auth'), ip: ip(c) }
      const result = await changePassword(mailingDeps(deps, c), input)
      return result.ok ? c.body(null, 204) : problem(c, result.error, result)
    })

    .post('/email', mail, limitBody, jsonOnly, requireAuth, jsonBody(ChangeEmailBody), async (c) => {
      const input = { ...c.req.valid('json'), identity: c.get('auth'), ip: ip(c) }
      const result = await requestEmailChange(requestDeps(deps, c), input)
      return result.ok ? reply(c, {}, 202) : problem(c, result.error, result)
    })

    .delete('/account', limitBody, jsonOnly, requireAuth, jsonBody(DeleteAccountBody), async (c) => {
      const input = { password: c.req.valid('json').password, identity: c.get('auth'), ip: ip(c) }
      const result = await deleteAccount(requestDeps(deps, c), input)
      if (!result.ok) return problem(c, result.error, result)
      jar.clear(c)
      return c.body(null, 204)
    })

    .get('/account/export', requireAuth, async (c) => {
      const result = await exportAccount(requestDeps(deps, c), { identity: c.get('auth'), ip: ip(c) })
      if (!result.ok) return problem(c, result.error)
      keepContextHeaders(c)
      c.header('Content-Disposition', 'attachment; filename="account-export.json"')
      return reply(c, accountExportJson(result.value, deps.clock.now()))
    })

    // The public keys other services verify access tokens with; HS256 has none to publish.
    .get('/.well-known/jwks.json', async (c) => {
      const keys = await deps.accessTokens.publicKeys()
      if (!keys) return problem(c, 'not_found')
      shareable(c, JWKS_MAX_AGE)
      return reply(c, { keys: keys.map((k) => ({ ...k })) })
    })
    .route('/', createAdminRoutes(deps, config, jar, requireAuth))

  answerOtherMethods(routes, before)
  return routes
}

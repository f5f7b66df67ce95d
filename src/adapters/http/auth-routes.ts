import { Hono, type MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import * as v from 'valibot'
import type { Deps } from '../../application/deps.js'
import { login } from '../../application/login.js'
import { logout, logoutAll } from '../../application/logout.js'
import { getProfile, updateProfile } from '../../application/profile.js'
import { refresh } from '../../application/refresh.js'
import { register } from '../../application/register.js'
import { listSessions, revokeSession } from '../../application/sessions.js'
import { isWellFormed } from '../../domain/text.js'
import type { HttpConfig } from './config.js'
import type { CookieJar } from './cookies.js'
import { bearerToken, emptyOrJson, jsonOnly, originGuard, readJson, STATE_CHANGING } from './guards.js'
import { answerOtherMethods } from './method-not-allowed.js'
import { problem } from './problem.js'
import type { AuthEnv } from './require-auth.js'
import { reply } from './security-headers.js'
import { isoTime, sessionJson, userJson } from './views.js'

// Generous caps in UTF-16 units, far above what the domain accepts, so no field is huge before
// the domain rules (254-octet emails, 1024-code-point passwords, 100-code-point names) apply.
// Ill-formed UTF-16 (a lone surrogate) is refused in every field: it has no UTF-8 form, so a store
// or a KDF would read two different strings as one.
const text = (max: number) =>
  v.pipe(v.string(), v.maxLength(max, 'is too long'), v.check(isWellFormed, 'is not well-formed Unicode text'))
const RegisterBody = v.strictObject({ email: text(1024), password: text(4096), name: v.optional(text(1024)) })
const LoginBody = v.strictObject({ email: text(1024), password: text(4096) })
const ProfileBody = v.strictObject({ name: text(1024) })

/**
 * Bodies over 16 KiB, chunked or not, get 413 and `Connection: close`. Only on the routes that
 * take a body, so a wrong method or path is a 405 or 404 whatever it sends, and GET never asks a
 * Node request for its body (which would build a full `Request` on the hot path).
 */
const limitBody = bodyLimit({
  maxSize: 16 * 1024,
  onError: (c) => {
    c.header('Connection', 'close')
    return problem(c, 'payload_too_large')
  },
})

/** The contract's routes, top to bottom: parse, call the use case, map the result. */
export function createAuthRoutes(
  deps: Deps,
  config: HttpConfig,
  jar: CookieJar,
  requireAuth: MiddlewareHandler<AuthEnv>,
): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>()
  const ip = (c: Parameters<HttpConfig['clientIp']>[0]) => config.clientIp(c)
  // Cross-site refusal, then size, then content type, then authentication: each before any work.
  // Only the methods the guard refuses run it: a GET skips one middleware layer.
  app.on(STATE_CHANGING, '*', originGuard(config, deps.log))

  app.post('/register', limitBody, jsonOnly, async (c) => {
    const body = await readJson(c, RegisterBody)
    if (!body.ok) return body.response
    const result = await register(deps, { ...body.value, ip: ip(c) })
    if (!result.ok) return problem(c, result.error, result)
    return reply(c, { user: userJson(result.value) }, 201)
  })

  app.post('/login', limitBody, jsonOnly, async (c) => {
    const body = await readJson(c, LoginBody)
    if (!body.ok) return body.response
    const result = await login(deps, { ...body.value, ip: ip(c), userAgent: c.req.header('user-agent') ?? null })
    if (!result.ok) return problem(c, result.error, result)
    jar.set(c, result.value, deps.clock.now())
    return reply(c, {
      user: userJson(result.value.user),
      accessTokenExpiresAt: isoTime(result.value.accessTokenExpiresAt),
      refreshTokenExpiresAt: isoTime(result.value.refreshTokenExpiresAt),
    })
  })

  app.post('/refresh', limitBody, emptyOrJson, async (c) => {
    const result = await refresh(deps, { refreshToken: jar.read(c).refresh, ip: ip(c) })
    if (!result.ok) {
      if (result.error === 'refresh_reused') jar.clear(c)
      return problem(c, result.error, result)
    }
    jar.set(c, result.value, deps.clock.now())
    return reply(c, {
      accessTokenExpiresAt: isoTime(result.value.accessTokenExpiresAt),
      refreshTokenExpiresAt: isoTime(result.value.refreshTokenExpiresAt),
    })
  })

  app.post('/logout', limitBody, emptyOrJson, async (c) => {
    const cookies = jar.read(c)
    const bearer = bearerToken(c.req.header('authorization')) ?? undefined
    await logout(deps, { accessToken: bearer ?? cookies.access, refreshToken: cookies.refresh, ip: ip(c) })
    jar.clear(c)
    return c.body(null, 204)
  })

  app.post('/logout-all', limitBody, emptyOrJson, requireAuth, async (c) => {
    const result = await logoutAll(deps, { identity: c.get('auth'), ip: ip(c) })
    if (!result.ok) return problem(c, result.error)
    jar.clear(c)
    return c.body(null, 204)
  })

  app.get('/session', requireAuth, (c) => {
    const { userId, sessionId, accessTokenExpiresAt } = c.get('auth')
    return reply(c, { userId, sessionId, accessTokenExpiresAt: isoTime(accessTokenExpiresAt) })
  })

  app.get('/profile', requireAuth, async (c) => {
    const result = await getProfile(deps, c.get('auth'))
    return result.ok ? reply(c, { user: userJson(result.value) }) : problem(c, result.error)
  })

  app.post('/profile', limitBody, jsonOnly, requireAuth, async (c) => {
    const body = await readJson(c, ProfileBody)
    if (!body.ok) return body.response
    const result = await updateProfile(deps, { identity: c.get('auth'), name: body.value.name })
    return result.ok ? reply(c, { user: userJson(result.value) }) : problem(c, result.error, result)
  })

  app.get('/sessions', requireAuth, async (c) => {
    const result = await listSessions(deps, c.get('auth'))
    return result.ok ? reply(c, { sessions: result.value.sessions.map(sessionJson) }) : problem(c, result.error)
  })

  app.delete('/sessions/:id', limitBody, requireAuth, async (c) => {
    const result = await revokeSession(deps, { identity: c.get('auth'), sessionId: c.req.param('id'), ip: ip(c) })
    if (!result.ok) return problem(c, result.error)
    if (result.value.current) jar.clear(c)
    return c.body(null, 204)
  })

  answerOtherMethods(app)
  return app
}

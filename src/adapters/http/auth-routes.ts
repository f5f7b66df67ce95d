import { Hono, type MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import * as v from 'valibot'
import type { Deps } from '../../application/deps.js'
import { login } from '../../application/login.js'
import { logout, logoutAll } from '../../application/logout.js'
import { getProfile, updateProfile } from '../../application/profile.js'
import { refreshEndpoint } from '../../application/refresh.js'
import { register } from '../../application/register.js'
import { listSessions, revokeSession } from '../../application/sessions.js'
import type { HttpConfig } from './config.js'
import type { CookieJar } from './cookies.js'
import { bearerToken, ensureNoBody, readJson } from './guards.js'
import { problem } from './problem.js'
import type { AuthEnv } from './require-auth.js'

const RegisterBody = v.strictObject({ email: v.string(), password: v.string(), name: v.optional(v.string()) })
const LoginBody = v.strictObject({ email: v.string(), password: v.string() })
const ProfileBody = v.strictObject({ name: v.string() })

const iso = (ms: number): string => new Date(ms).toISOString()

const bodyLimit16k = bodyLimit({
  maxSize: 16 * 1024,
  onError: (c) => {
    c.header('Connection', 'close')
    return problem(c, 'payload_too_large')
  },
})

/**
 * Bodies over 16 KiB, chunked or not, get 413 and `Connection: close`. GET and HEAD are let
 * through untouched: asking a Node request for its body builds a full `Request`, a cost the hot
 * path should not pay.
 */
const limitBody: MiddlewareHandler = (c, next) =>
  c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : bodyLimit16k(c, next)

/** The contract's routes, top to bottom: parse, call the use case, map the result. */
export function createAuthRoutes(
  deps: Deps,
  config: HttpConfig,
  jar: CookieJar,
  requireAuth: MiddlewareHandler<AuthEnv>,
): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>()
  const ip = (c: Parameters<HttpConfig['clientIp']>[0]) => config.clientIp(c)
  app.use('*', limitBody)

  app.post('/register', async (c) => {
    const body = await readJson(c, RegisterBody)
    if (!body.ok) return body.response
    const result = await register(deps, { ...body.value, ip: ip(c) })
    if (!result.ok) return problem(c, result.error, result)
    return c.json({ user: result.value }, 201)
  })

  app.post('/login', async (c) => {
    const body = await readJson(c, LoginBody)
    if (!body.ok) return body.response
    const result = await login(deps, { ...body.value, ip: ip(c), userAgent: c.req.header('user-agent') ?? null })
    if (!result.ok) return problem(c, result.error, result)
    jar.set(c, result.value, deps.clock.now())
    return c.json({
      user: result.value.user,
      accessTokenExpiresAt: iso(result.value.accessTokenExpiresAt),
      refreshTokenExpiresAt: iso(result.value.refreshTokenExpiresAt),
    })
  })

  app.post('/refresh', async (c) => {
    const bad = await ensureNoBody(c)
    if (bad) return bad
    const result = await refreshEndpoint(deps, { refreshToken: jar.read(c).refresh, ip: ip(c) })
    if (!result.ok) {
      if (result.error === 'refresh_reused') jar.clear(c)
      return problem(c, result.error, result)
    }
    jar.set(c, result.value, deps.clock.now())
    return c.json({
      accessTokenExpiresAt: iso(result.value.accessTokenExpiresAt),
      refreshTokenExpiresAt: iso(result.value.refreshTokenExpiresAt),
    })
  })

  app.post('/logout', async (c) => {
    const bad = await ensureNoBody(c)
    if (bad) return bad
    const cookies = jar.read(c)
    const bearer = bearerToken(c.req.header('authorization')) ?? undefined
    await logout(deps, { accessToken: bearer ?? cookies.access, refreshToken: cookies.refresh, ip: ip(c) })
    jar.clear(c)
    return c.body(null, 204)
  })

  app.post('/logout-all', requireAuth, async (c) => {
    const bad = await ensureNoBody(c)
    if (bad) return bad
    await logoutAll(deps, { userId: c.get('auth').userId, ip: ip(c) })
    jar.clear(c)
    return c.body(null, 204)
  })

  app.get('/session', requireAuth, (c) => {
    const { userId, sessionId, accessTokenExpiresAt } = c.get('auth')
    return c.json({ userId, sessionId, accessTokenExpiresAt: iso(accessTokenExpiresAt) })
  })

  app.get('/profile', requireAuth, async (c) => {
    const result = await getProfile(deps, c.get('auth'))
    return result.ok ? c.json({ user: result.value }) : problem(c, result.error)
  })

  app.post('/profile', requireAuth, async (c) => {
    const body = await readJson(c, ProfileBody)
    if (!body.ok) return body.response
    const result = await updateProfile(deps, { identity: c.get('auth'), name: body.value.name })
    return result.ok ? c.json({ user: result.value }) : problem(c, result.error, result)
  })

  app.get('/sessions', requireAuth, async (c) => c.json(await listSessions(deps, c.get('auth'))))

  app.delete('/sessions/:id', requireAuth, async (c) => {
    const result = await revokeSession(deps, { identity: c.get('auth'), sessionId: c.req.param('id'), ip: ip(c) })
    if (!result.ok) return problem(c, result.error)
    if (result.value.current) jar.clear(c)
    return c.body(null, 204)
  })

  return app
}

/** Each path the routes answer and the methods it allows: the 405 `Allow` header. */
export const ROUTE_METHODS: Readonly<Record<string, string>> = {
  '/register': 'POST',
  '/login': 'POST',
  '/refresh': 'POST',
  '/logout': 'POST',
  '/logout-all': 'POST',
  '/session': 'GET, HEAD',
  '/profile': 'GET, HEAD, POST',
  '/sessions': 'GET, HEAD',
  '/sessions/:id': 'DELETE',
  '/health': 'GET, HEAD',
}

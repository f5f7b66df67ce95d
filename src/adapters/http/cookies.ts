import type { Context } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import type { IssuedTokens } from '../../application/deps.js'
import { keepContextHeaders } from './security-headers.js'

/** Browsers cap Max-Age at 400 days (RFC 6265bis). */
const MAX_AGE_CAP = 400 * 24 * 3600

export interface CookieJar {
  read(c: Context): { access: string | undefined; refresh: string | undefined }
  /** Sets both cookies and `Cache-Control: no-store`. */
  set(c: Context, tokens: IssuedTokens, now: number): void
  /** Clears both with the same names and path they were set with. */
  clear(c: Context): void
  /** Whether a response already sets the refresh cookie. */
  isSetOn(res: Response): boolean
}

/** The two token cookies, `HttpOnly; SameSite=Lax; Path=/`, with `__Host-` names when Secure. */
export function createCookieJar(secure: boolean): CookieJar {
  const access = secure ? '__Host-access_token' : 'access_token'
  const refresh = secure ? '__Host-refresh_token' : 'refresh_token'
  const base = { httpOnly: true, sameSite: 'Lax', path: '/', secure } as const
  const put = (c: Context, name: string, value: string, maxAge: number): void => {
    keepContextHeaders(c)
    setCookie(c, name, value, { ...base, maxAge: Math.max(0, Math.min(maxAge, MAX_AGE_CAP)) })
  }

  return {
    read(c) {
      // One parse of the Cookie header for both names.
      const all = c.req.header('cookie') ? getCookie(c) : {}
      return { access: all[access], refresh: all[refresh] }
    },
    set(c, tokens, now) {
      put(c, access, tokens.accessToken, Math.ceil((tokens.accessTokenExpiresAt - now) / 1000))
      put(c, refresh, tokens.refreshToken, Math.ceil((tokens.refreshTokenExpiresAt - now) / 1000))
      c.header('Cache-Control', 'no-store')
    },
    clear(c) {
      // Max-Age=0 and an Expires in the past: some clients (curl's cookie jar among them) keep a
      // cookie that only says Max-Age=0.
      keepContextHeaders(c)
      for (const name of [access, refresh]) setCookie(c, name, '', { ...base, maxAge: 0, expires: new Date(0) })
    },
    isSetOn: (res) => res.headers.getSetCookie().some((line) => line.startsWith(`${refresh}=`)),
  }
}

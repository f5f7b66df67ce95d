import type { Context } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import type { IssuedTokens } from '../../application/deps.js'
import { between, type Instant } from '../../domain/units.js'
import { keepContextHeaders } from './security-headers.js'

/** Browsers cap Max-Age at 400 days (RFC 6265bis). */
const MAX_AGE_CAP = 400 * 24 * 3600

export interface CookieJar {
  /** The two token cookies of the request; each is parsed on first read. */
  read(c: Context): { readonly access: string | undefined; readonly refresh: string | undefined }
  /** Sets both cookies and `Cache-Control: no-store`. */
  set(c: Context, tokens: IssuedTokens, now: Instant): void
  /** Clears both with the same names and path they were set with. */
  clear(c: Context): void
  /** Whether a response already sets the refresh cookie. */
  isSetOn(res: Response): boolean
}

/**
 * A request's two token cookies, each parsed by name when first read: an authorized request with
 * a valid access token never parses the refresh cookie. A class, not an object literal with
 * getters: V8 builds such a literal on its slow path, which measured about 20 µs more per request.
 */
class RequestCookies {
  #access: string | undefined | null = null
  #refresh: string | undefined | null = null
  constructor(
    private readonly c: Context,
    private readonly accessName: string,
    private readonly refreshName: string,
  ) {}
  get access(): string | undefined {
    if (this.#access === null) this.#access = getCookie(this.c, this.accessName)
    return this.#access
  }
  get refresh(): string | undefined {
    if (this.#refresh === null) this.#refresh = getCookie(this.c, this.refreshName)
    return this.#refresh
  }
}

/**
 * The two token cookies, `HttpOnly; Path=/` and `SameSite` as given (`Lax` unless told), with
 * `__Host-` names when Secure. Set and clear share one set of attributes.
 */
export function createCookieJar(secure: boolean, sameSite: 'lax' | 'strict' | 'none' = 'lax'): CookieJar {
  // Browsers drop a SameSite=None cookie without Secure: every login would silently fail.
  if (sameSite === 'none' && !secure) throw new TypeError('cookieSameSite none requires cookieSecure')
  const access = secure ? '__Host-access_token' : 'access_token'
  const refresh = secure ? '__Host-refresh_token' : 'refresh_token'
  const base = { httpOnly: true, sameSite, path: '/', secure } as const
  // The cookie edge: Max-Age is whole seconds, rounded up, within the browsers' cap.
  const put = (c: Context, name: string, value: string, now: Instant, expiresAt: Instant): void => {
    keepContextHeaders(c)
    const maxAge = Math.ceil(between(now, expiresAt) / 1000)
    setCookie(c, name, value, { ...base, maxAge: Math.max(0, Math.min(maxAge, MAX_AGE_CAP)) })
  }

  return {
    read: (c) => new RequestCookies(c, access, refresh),
    set(c, tokens, now) {
      put(c, access, tokens.accessToken, now, tokens.accessTokenExpiresAt)
      put(c, refresh, tokens.refreshToken, now, tokens.refreshTokenExpiresAt)
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

/** One `Set-Cookie` line, parsed: attribute names lower-cased, values as sent. */
export interface SetCookie {
  readonly name: string
  readonly value: string
  readonly attrs: Map<string, string>
}

/** Parses one `Set-Cookie` line. */
export function parseSetCookie(line: string): SetCookie {
  const [pair = '', ...rest] = line.split(';')
  const eq = pair.indexOf('=')
  const attrs = new Map<string, string>()
  for (const a of rest) {
    const at = a.indexOf('=')
    const [k, v] = at < 0 ? [a, ''] : [a.slice(0, at), a.slice(at + 1)]
    attrs.set(k.trim().toLowerCase(), v.trim())
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attrs }
}

/** A response's `Set-Cookie` lines by cookie name, for assertions. */
export function parseSetCookies(res: Response): Map<string, SetCookie> {
  const cookies = res.headers.getSetCookie().map(parseSetCookie)
  return new Map(cookies.map((c) => [c.name, c]))
}

/** What a browser keeps: a response's cookies go into `jar`; a cleared one (Max-Age=0 or empty) leaves it. */
export function storeCookies(jar: Map<string, string>, res: Response): void {
  for (const { name, value, attrs } of parseSetCookies(res).values()) {
    if (attrs.get('max-age') === '0' || value === '') jar.delete(name)
    else jar.set(name, value)
  }
}

/** The `Cookie` header a browser would send from `jar`. */
export const cookieHeaderOf = (jar: ReadonlyMap<string, string>): string =>
  [...jar].map(([k, v]) => `${k}=${v}`).join('; ')

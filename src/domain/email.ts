import { isWellFormed } from './text.js'

/** An email address after NFKC, trimming, IDNA and lower-casing: the only form stored or compared. */
export type Email = string & { readonly __brand: 'Email' }

const MAX_OCTETS = 254
// Control characters (C0, DEL, C1), whitespace, invisible format characters (zero-width
// joiners, bidi controls, soft hyphens: NFKC keeps them) and every other default-ignorable code
// point (Hangul fillers, variation selectors, which render as nothing but are not format
// characters) never belong in an address, where they would make a lookalike of another account's.
const FORBIDDEN = /[\u0000-\u0020\u007f-\u009f\u00a0\u2028\u2029\p{Cf}\p{Default_Ignorable_Code_Point}]/u
// The local part: no character that a mail header or an SMTP command reads as structure (list
// separators, brackets, comments, quotes, escapes, routes), so an address is one mailbox to
// every transport: `ceo<x@corp.com` or `a,b@x.com` would be delivered elsewhere, or to several.
const LOCAL = /^[^@\s<>()[\]",;:\\]{1,64}$/
// Characters the URL parser treats as delimiters or escapes in a host: refused before parsing, so
// `a@evil.com/x` or `a@ex%41mple.com` can never parse as another domain.
const URL_SPECIAL = /[/\\?#%:@[\]<>^|"'`{}]/
// The ASCII form: letters, digits, hyphens and underscores in two or more labels, at most 253.
const DOMAIN = /^(?=.{1,253}$)[a-z0-9_-]+(\.[a-z0-9_-]+)+$/
// A numeric last label makes the URL parser read the host as an IPv4 address (`1.2.3` → `1.2.0.3`).
const NUMERIC_TLD = /\.\d+$/

/**
 * The domain in its ASCII form (IDNA, UTS #46, as the WHATWG URL parser maps it on Node and on
 * Workers alike), so `bücher.de`, `BÜCHER.DE` and `xn--bcher-kva.de` are one domain; null when
 * it is not a host name.
 */
function asciiDomain(domain: string): string | null {
  if (URL_SPECIAL.test(domain)) return null
  let host: string
  try {
    host = new URL(`http://${domain}`).hostname
  } catch {
    return null
  }
  return DOMAIN.test(host) && !NUMERIC_TLD.test(host) ? host : null
}

/**
 * NFKC first (so a fullwidth `＠` becomes `@` and is then counted), validate, map the domain to
 * ASCII, then lower-case. Lower-casing uses the root locale; `ı` (dotless i) stays `ı`, so `mıke@`
 * never meets `mike@`. Ill-formed UTF-16 (a lone surrogate) is refused: it has no UTF-8 form.
 */
export function parseEmail(raw: string): Email | null {
  if (!isWellFormed(raw)) return null
  const normalised = raw.normalize('NFKC').trim()
  if (FORBIDDEN.test(normalised)) return null
  const parts = normalised.split('@')
  if (parts.length !== 2) return null
  const [local, domain] = parts as [string, string]
  if (!LOCAL.test(local)) return null
  const host = asciiDomain(domain)
  if (host === null) return null
  const address = `${local.toLowerCase()}@${host}`
  if (new TextEncoder().encode(address).length > MAX_OCTETS) return null
  return address as Email
}

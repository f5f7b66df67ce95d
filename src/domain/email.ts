/** An email address after NFKC, trimming and lower-casing: the only form stored or compared. */
export type Email = string & { readonly __brand: 'Email' }

const MAX_OCTETS = 254
// Control characters (C0, DEL, C1), whitespace and invisible format characters (zero-width
// joiners, bidi controls, soft hyphens: NFKC keeps them) never belong in an address, where they
// would make a lookalike of another account's.
const FORBIDDEN = /[\u0000-\u0020\u007f-\u009f\u00a0\u2028\u2029\p{Cf}]/u
const LOCAL = /^[^@\s]{1,64}$/
const DOMAIN = /^(?=.{1,253}$)[^@\s.]+(\.[^@\s.]+)+$/

/**
 * NFKC first (so a fullwidth `＠` becomes `@` and is then counted), validate, then lower-case.
 * Lower-casing uses the root locale; `ı` (dotless i) stays `ı`, so `mıke@` never meets `mike@`.
 */
export function parseEmail(raw: string): Email | null {
  const normalised = raw.normalize('NFKC').trim()
  if (FORBIDDEN.test(normalised)) return null
  const parts = normalised.split('@')
  if (parts.length !== 2) return null
  const [local, domain] = parts as [string, string]
  if (!LOCAL.test(local) || !DOMAIN.test(domain)) return null
  const lowered = normalised.toLowerCase()
  if (new TextEncoder().encode(lowered).length > MAX_OCTETS) return null
  return lowered as Email
}

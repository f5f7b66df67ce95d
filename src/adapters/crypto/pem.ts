/**
 * PEM blocks as configuration gives them: real newlines or `\n` escapes (env files and dashboards
 * that keep a value on one line), one block after another. Nothing here is ever echoed: a block
 * may be a private key.
 */

export interface PemBlock {
  /** The label of `-----BEGIN <label>-----`, such as `PRIVATE KEY` or `PUBLIC KEY`. */
  readonly label: string
  readonly der: Uint8Array
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]{1,40})-----([A-Za-z0-9+/=\s]*?)-----END \1-----/g

/** The blocks of a PEM text, in order; null when anything but whitespace lies outside them or a body is not base64. */
export function pemBlocks(raw: string): PemBlock[] | null {
  const text = raw.replaceAll('\\r', '').replaceAll('\\n', '\n')
  const blocks: PemBlock[] = []
  let rest = ''
  let last = 0
  for (const m of text.matchAll(BLOCK)) {
    rest += text.slice(last, m.index)
    last = (m.index ?? 0) + m[0].length
    const body = (m[2] ?? '').replace(/\s+/g, '')
    if (body.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body) || body.length % 4 !== 0) return null
    let bin: string
    try {
      bin = atob(body)
    } catch {
      return null
    }
    blocks.push({ label: m[1] as string, der: Uint8Array.from(bin, (ch) => ch.charCodeAt(0)) })
  }
  rest += text.slice(last)
  return rest.trim() === '' ? blocks : null
}

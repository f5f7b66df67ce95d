import { describe, expect, it } from 'vitest'
import { parseEmail } from '../../src/domain/email.js'

describe('parseEmail', () => {
  it('refuses invisible format characters that would make a lookalike of another address', () => {
    for (const invisible of ['\u200b', '\u200d', '\u202e', '\u2066', '\u00ad', '\ufeff']) {
      expect(parseEmail(`ad${invisible}a@example.com`), JSON.stringify(invisible)).toBeNull()
    }
    expect(parseEmail('ada@example.com')).toBe('ada@example.com')
  })

  it('refuses default-ignorable code points that are not format characters (Hangul fillers, variation selectors)', () => {
    for (const invisible of ['\u3164', '\uffa0', '\u115f', '\u1160', '\ufe0f', '\u034f']) {
      expect(parseEmail(`ad${invisible}a@example.com`), JSON.stringify(invisible)).toBeNull()
      expect(parseEmail(`ada@exam${invisible}ple.com`), JSON.stringify(invisible)).toBeNull()
    }
  })

  it('refuses ill-formed UTF-16: a lone surrogate has no UTF-8 form, where it would become U+FFFD', () => {
    for (const raw of ['x\ud800@example.com', 'x\udbff@example.com', 'x\udc00@example.com', 'x@exam\ud800ple.com']) {
      expect(parseEmail(raw), JSON.stringify(raw)).toBeNull()
    }
    expect(parseEmail('x\ufffd@example.com')).toBe('x\ufffd@example.com')
    // A well-formed pair is one code point, not two lone halves.
    expect(parseEmail('x\ud83d\ude00@example.com')).toBe('x😀@example.com')
  })

  it('maps the domain to its ASCII form (IDNA), so a Unicode domain and its punycode are one address', () => {
    expect(parseEmail('a@bücher.de')).toBe('a@xn--bcher-kva.de')
    expect(parseEmail('a@BÜCHER.DE')).toBe('a@xn--bcher-kva.de')
    expect(parseEmail('a@xn--bcher-kva.de')).toBe('a@xn--bcher-kva.de')
    expect(parseEmail('A@XN--BCHER-KVA.DE')).toBe('a@xn--bcher-kva.de')
    // An ideographic full stop separates labels as a dot does, in IDNA.
    expect(parseEmail('a@example\u3002com')).toBe('a@example.com')
    // The local part is not mapped: only lower-cased.
    expect(parseEmail('Bücher@example.com')).toBe('bücher@example.com')
  })

  it.each([
    ['a path after the domain', 'a@evil.com/x'],
    ['a query', 'a@evil.com?x'],
    ['a fragment', 'a@evil.com#x'],
    ['a backslash', 'a@evil.com\\x'],
    ['a percent escape', 'a@ex%41mple.com'],
    ['a port', 'a@example.com:25'],
    ['an IPv4 address', 'a@1.2.3.4'],
    ['a host the URL parser reads as IPv4', 'a@0x7f.1'],
    ['a numeric last label', 'a@example.123'],
    ['invalid punycode', 'a@xn--zz.com'],
    ['a character no host name has', 'a@exa!mple.com'],
  ])('refuses a domain with %s, which could otherwise parse as another domain', (_, raw) => {
    expect(parseEmail(raw)).toBeNull()
  })

  it('lower-cases and trims', () => {
    expect(parseEmail('  Ada.Lovelace@Example.COM\t\n')).toBe('ada.lovelace@example.com')
  })

  it('applies NFKC before validating, so a fullwidth @ counts as the one @', () => {
    expect(parseEmail('victim＠example.com')).toBe('victim@example.com')
    expect(parseEmail('ｖｉｃｔｉｍ@ｅｘａｍｐｌｅ.com')).toBe('victim@example.com')
    expect(parseEmail('a@b＠example.com')).toBeNull()
  })

  it('keeps a dotless i (and a dotted capital I) distinct from i', () => {
    expect(parseEmail('mıke@example.com')).toBe('mıke@example.com')
    expect(parseEmail('mıke@example.com')).not.toBe(parseEmail('mike@example.com'))
    expect(parseEmail('MIKE@example.com')).toBe('mike@example.com')
    expect(parseEmail('MİKE@example.com')).not.toBe('mike@example.com')
  })

  it.each([
    ['no @', 'ada.example.com'],
    ['two @', 'ada@home@example.com'],
    ['an empty local part', '@example.com'],
    ['an empty domain', 'ada@'],
    ['a domain without a dot', 'ada@localhost'],
    ['an empty label', 'ada@example..com'],
    ['an inner space', 'ada lovelace@example.com'],
    ['a NUL', 'ada\u0000@example.com'],
    ['a newline inside', 'ada\n@example.com'],
    ['a tab inside', 'ada@exa\tmple.com'],
    ['DEL', 'ada\u007f@example.com'],
    ['a C1 control', 'ada\u0085x@example.com'],
    ['a line separator', 'ada\u2028@example.com'],
    ['a no-break space', 'ada\u00a0x@example.com'],
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.com`],
    ['an angle bracket, which a mailer reads as another address', 'ceo<x@corp.com'],
    ['a comma, which a mailer reads as a list', 'a,b@example.com'],
    ['a semicolon', 'a;b@example.com'],
    ['a quoted local part', '"ada"@example.com'],
    ['a comment', 'ada(x)@example.com'],
    ['a colon (a group or a route)', 'list:ada@example.com'],
    ['a backslash', 'a\\b@example.com'],
    ['square brackets', 'a[b]@example.com'],
    ['the empty string', ''],
  ])('refuses %s', (_, raw) => {
    expect(parseEmail(raw)).toBeNull()
  })

  it('accepts 254 octets and refuses 255', () => {
    const local = 'a'.repeat(64)
    const at254 = `${local}@${'d'.repeat(185)}.com`
    expect(new TextEncoder().encode(at254).length).toBe(254)
    expect(parseEmail(at254)).toBe(at254)
    expect(parseEmail(`${local}@${'d'.repeat(186)}.com`)).toBeNull()
  })

  it('counts octets, not characters', () => {
    const local = 'é'.repeat(64)
    const at254 = `${local}@${'d'.repeat(121)}.com`
    expect(new TextEncoder().encode(at254).length).toBe(254)
    expect(parseEmail(at254)).toBe(at254)
    const at255 = `${local}@${'d'.repeat(122)}.com`
    expect(parseEmail(at255)).toBeNull()
    // The same shape in ASCII (191 bytes, as many UTF-16 units as at255) passes: bytes are counted.
    const ascii = `${'e'.repeat(64)}@${'d'.repeat(122)}.com`
    expect(parseEmail(ascii)).toBe(ascii)
  })

  it('counts the octets of the lower-cased, normalised form', () => {
    // 'İ' lower-cases to 'i' plus a combining dot: three octets from two.
    const upper = `${'İ'.repeat(60)}@${'d'.repeat(10)}.com`
    expect(new TextEncoder().encode(upper.toLowerCase()).length).toBeGreaterThan(new TextEncoder().encode(upper).length)
    const near = `${'İ'.repeat(60)}@${'d'.repeat(124)}.com`
    expect(new TextEncoder().encode(near).length).toBeLessThanOrEqual(254)
    expect(new TextEncoder().encode(near.toLowerCase()).length).toBeGreaterThan(254)
    expect(parseEmail(near)).toBeNull()
  })
})

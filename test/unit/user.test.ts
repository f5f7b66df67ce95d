import { describe, expect, it } from 'vitest'
import type { Email } from '../../src/domain/email.js'
import { NAME_MAX, parseName, toPublicUser, type UserId } from '../../src/domain/user.js'
import { at } from '../support/fixtures.js'

describe('parseName', () => {
  it('refuses bidi overrides and isolates, and keeps the joiners some scripts need', () => {
    for (const bidi of ['\u202e', '\u202a', '\u2066', '\u2069']) expect(parseName(`Ada${bidi}evoL`)).toBeNull()
    expect(parseName('\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645')).toBe(
      '\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645',
    )
    expect(parseName('\u{1f468}\u200d\u{1f469}\u200d\u{1f467}')).not.toBeNull()
  })

  it('applies NFKC and trims', () => {
    expect(parseName('  Ada Lovelace ')).toBe('Ada Lovelace')
    expect(parseName('Ａｄａ')).toBe('Ada')
  })

  it('accepts up to 100 code points, emoji counted once', () => {
    expect(NAME_MAX).toBe(100)
    expect(parseName('n'.repeat(100))).toBe('n'.repeat(100))
    expect(parseName('😀'.repeat(100))).toBe('😀'.repeat(100))
    expect(parseName('n'.repeat(101))).toBeNull()
    expect(parseName('😀'.repeat(101))).toBeNull()
  })

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['a NUL', 'Ada\u0000'],
    ['a newline inside', 'Ada\nLovelace'],
    ['an escape', 'Ada\u001b[31m'],
    ['DEL', 'Ada\u007f'],
    ['a C1 control', 'Ada\u0085'],
    ['a line separator inside', 'Ada\u2028x'],
    ['a paragraph separator', 'Ada\u2029x'],
    ['a lone high surrogate', 'Ada\ud800'],
    ['a lone low surrogate', '\udc00Ada'],
  ])('refuses %s', (_, raw) => {
    expect(parseName(raw)).toBeNull()
  })
})

describe('toPublicUser', () => {
  it('keeps id, email, name, createdAt (ms; the HTTP edge formats it), emailVerified and roles, and drops the hash', () => {
    const view = toPublicUser({
      id: 'u1' as UserId,
      email: 'ada@example.com' as Email,
      name: 'Ada',
      passwordHash: '$scrypt$secret',
      createdAt: at(Date.UTC(2026, 0, 2, 3, 4, 5)),
      emailVerified: true,
      roles: ['admin'],
    })
    expect(view).toEqual({
      id: 'u1',
      email: 'ada@example.com',
      name: 'Ada',
      createdAt: Date.UTC(2026, 0, 2, 3, 4, 5),
      emailVerified: true,
      roles: ['admin'],
    })
  })
})

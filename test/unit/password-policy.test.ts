import { describe, expect, it } from 'vitest'
import { createScryptHasher } from '../../src/adapters/crypto/scrypt-hasher.js'
import { COMMON_PASSWORDS } from '../../src/domain/common-passwords.js'
import {
  checkNewPassword,
  codePointLength,
  isOverLong,
  normalisePassword,
  PASSWORD_MAX,
  PASSWORD_MIN,
  passwordInputProblem,
} from '../../src/domain/password-policy.js'
import { FAST_SCRYPT } from './unit-deps.js'

describe('password policy', () => {
  it('accepts 8 to 1024 code points with no composition rules', () => {
    expect(PASSWORD_MIN).toBe(8)
    expect(PASSWORD_MAX).toBe(1024)
    expect(checkNewPassword('abcdefgz')).toBeNull()
    expect(checkNewPassword('zzzzzzzzzzzzzzzzzz')).toBeNull()
    expect(checkNewPassword('x'.repeat(1024))).toBeNull()
  })

  it('refuses fewer than 8 and more than 1024 code points', () => {
    expect(checkNewPassword('abcdefg')).toBe('too_short')
    expect(checkNewPassword('')).toBe('too_short')
    expect(checkNewPassword('x'.repeat(1025))).toBe('too_long')
    expect(isOverLong('x'.repeat(1025))).toBe(true)
    expect(isOverLong('x'.repeat(1024))).toBe(false)
  })

  it('refuses ill-formed UTF-16, whose lone surrogates scrypt would hash alike, before any hashing', () => {
    expect(checkNewPassword('correct horse\ud800')).toBe('ill_formed')
    expect(passwordInputProblem('correct horse\udbff')).toBe('ill_formed')
    expect(passwordInputProblem('correct horse\ud83d\ude00')).toBeNull()
    expect(passwordInputProblem(`${'x'.repeat(1025)}\ud800`)).toBe('too_long')
  })

  it('counts code points, not UTF-16 units, so emoji count once each', () => {
    expect(codePointLength('😀')).toBe(1)
    // Seven emoji are 14 UTF-16 units, more than the eight that pass: refused as seven characters.
    expect(checkNewPassword('x'.repeat(8))).toBeNull()
    expect(checkNewPassword('😀'.repeat(7))).toBe('too_short')
    expect(checkNewPassword('😀'.repeat(8))).toBeNull()
    expect(checkNewPassword('😀'.repeat(1024))).toBeNull()
    expect(isOverLong('😀'.repeat(1024))).toBe(false)
    expect(checkNewPassword('😀'.repeat(1025))).toBe('too_long')
  })

  it('normalises with NFKC and neither trims nor truncates', () => {
    expect(normalisePassword('ｆｕｌｌｗｉｄｔｈ')).toBe('fullwidth')
    expect(normalisePassword('ﬁnancial')).toBe('financial')
    expect(normalisePassword('  spaced out  ')).toBe('  spaced out  ')
    const long = `${'a'.repeat(1000)}Z`
    expect(normalisePassword(long)).toBe(long)
  })

  it('refuses the most common passwords, after NFKC and in any case', () => {
    for (const common of [
      'password',
      'PASSWORD1',
      'Password123',
      'iloveyou',
      '12345678',
      'ｐａｓｓｗｏｒｄ',
      'qwertyuiop',
    ]) {
      expect(checkNewPassword(common), common).toBe('too_common')
    }
    for (const p of COMMON_PASSWORDS) expect(codePointLength(p), p).toBeGreaterThanOrEqual(PASSWORD_MIN)
    expect(checkNewPassword('correct horse battery staple')).toBeNull()
  })

  it('does not truncate: passwords differing only after character 72 hash differently', async () => {
    const hasher = createScryptHasher({ params: FAST_SCRYPT })
    const prefix = 'p'.repeat(72)
    const stored = await hasher.hash(normalisePassword(`${prefix}-one`))
    expect(await hasher.verify(stored, normalisePassword(`${prefix}-one`))).toBe(true)
    expect(await hasher.verify(stored, normalisePassword(`${prefix}-two`))).toBe(false)
    const far = 'q'.repeat(1000)
    const storedFar = await hasher.hash(`${far}A`)
    expect(await hasher.verify(storedFar, `${far}B`)).toBe(false)
  })
})

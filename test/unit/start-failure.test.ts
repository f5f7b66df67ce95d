import { describe, expect, it } from 'vitest'
import { parseSettings, SettingsError } from '../../src/adapters/config/settings.js'
import { startFailure } from '../../src/node.js'

const listenError = (code: string) => Object.assign(new Error(`listen ${code}: 0.0.0.0:8080`), { code })

/** The SettingsError parseSettings throws for `env`. */
function refused(env: Record<string, string>): SettingsError {
  try {
    parseSettings(env)
  } catch (err) {
    if (err instanceof SettingsError) return err
  }
  throw new Error('expected a SettingsError')
}

describe('startFailure: why a Node start failed, in one line', () => {
  it.each([
    ['EADDRINUSE', /^port 8080 is already in use on 0\.0\.0\.0 \(EADDRINUSE\)/],
    ['EACCES', /^no permission to listen on port 8080 \(EACCES\)/],
    ['EADDRNOTAVAIL', /^HOST 0\.0\.0\.0 is not an address of this machine/],
    ['ENOTFOUND', /^HOST 0\.0\.0\.0 does not resolve/],
  ])('names the cause of %s', (code, expected) => {
    expect(startFailure(listenError(code), { PORT: '8080' })).toMatch(expected)
  })

  it('names the port and host that were asked for, the defaults when unset', () => {
    expect(startFailure(listenError('EADDRINUSE'), {})).toMatch(/^port 3000 is already in use on 0\.0\.0\.0/)
    expect(startFailure(listenError('EADDRINUSE'), { PORT: '', HOST: '127.0.0.1' })).toMatch(
      /port 3000 .* 127\.0\.0\.1/,
    )
  })

  it('puts every bad variable of a SettingsError on the one line, never a value', () => {
    const secret = 'changeme-but-it-is-long-enough-0123456789'
    const line = startFailure(refused({ NODE_ENV: 'production', JWT_SECRET: secret, LOG_LEVEL: 'loud' }), {})
    expect(line).not.toContain('\n')
    expect(line).toMatch(/^invalid configuration: /)
    expect(line).toMatch(/JWT_SECRET .*; |; .*JWT_SECRET/)
    expect(line).toContain('LOG_LEVEL must be one of debug, info, warn, error')
    expect(line).not.toContain(secret)
    expect(line).not.toContain('loud')
  })

  it('keeps an unknown error to its first line, with its name', () => {
    const err = Object.assign(new TypeError('something broke\n    at a stack frame'), { code: 'ERR_X' })
    expect(startFailure(err, {})).toBe('ERR_X: TypeError: something broke')
    expect(startFailure('a thrown string', {})).toBe('Error: a thrown string')
  })
})

import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  hiddenCredentials,
  MailDeliveryError,
  mailUnavailable,
  redact,
  within,
} from '../../src/adapters/mail/transport.js'
import { UnavailableError } from '../../src/domain/errors.js'
import { millis } from '../../src/domain/units.js'

const creds = hiddenCredentials('mail-user', 'p@ss w/rd+ü')
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')

describe('redact', () => {
  it('takes out the user and password as given, URL-encoded and in base64, and the AUTH PLAIN blob', () => {
    const forms = [
      creds.user,
      creds.pass,
      encodeURIComponent(creds.pass),
      b64(creds.user),
      b64(creds.pass),
      b64(`\u0000${creds.user}\u0000${creds.pass}`),
    ]
    const text = redact(`server said: ${forms.join(' | ')}`, creds)
    for (const f of forms) expect(text).not.toContain(f)
    expect(text).toBe(`server said: ${Array(forms.length).fill('[redacted]').join(' | ')}`)
  })

  it('leaves text alone without credentials, and ignores forms too short to mean anything', () => {
    expect(redact('a b c', undefined)).toBe('a b c')
    expect(redact('x: 1 a 2', hiddenCredentials('a', 'b'))).toBe('x: 1 a 2')
  })
})

describe('mailUnavailable', () => {
  it('is a mail_unavailable with a redacted, bounded cause', () => {
    const err = mailUnavailable('auth', `535 no such user ${creds.user} ${'x'.repeat(1000)}`, creds)
    expect(err).toBeInstanceOf(UnavailableError)
    expect(err).toMatchObject({ code: 'mail_unavailable', message: 'Mail cannot be sent right now' })
    expect(err.cause).toBeInstanceOf(MailDeliveryError)
    expect(err.cause).toMatchObject({ reason: 'auth' })
    expect((err.cause as Error).message).not.toContain(creds.user)
    expect((err.cause as Error).message.length).toBeLessThanOrEqual(300)
  })
})

describe('hiddenCredentials', () => {
  it('reads as given but prints as [redacted]', () => {
    expect([creds.user, creds.pass]).toEqual(['mail-user', 'p@ss w/rd+ü'])
    expect(JSON.stringify({ creds })).toBe('{"creds":"[redacted]"}')
    expect(inspect({ creds })).not.toContain('p@ss')
    expect(Object.isFrozen(creds)).toBe(true)
  })
})

describe('within', () => {
  it('settles with the work, or rejects with the timeout error', async () => {
    await expect(within(Promise.resolve(7), millis(1000), () => new Error('late'))).resolves.toBe(7)
    await expect(within(new Promise(() => {}), millis(5), () => new Error('late'))).rejects.toThrow('late')
    await expect(within(Promise.reject(new Error('boom')), millis(1000), () => new Error('late'))).rejects.toThrow(
      'boom',
    )
  })
})

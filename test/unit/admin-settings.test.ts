import { createServer, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { MAX_ADMIN_EMAILS, parseSettings, SettingsError } from '../../src/adapters/config/settings.js'
import { createMemoryStores } from '../../src/adapters/stores/memory/index.js'
import type { Mailer } from '../../src/application/ports.js'
import { createAuth } from '../../src/index.js'
import { startFailure } from '../../src/node.js'
import { buildService } from '../../src/service.js'
import { freePort } from '../support/free-port.js'

// ADMIN_EMAILS (docs/http-contract.md, Configuration): parsed as addresses, each bad entry named by
// its place; refused with EMAIL_VERIFICATION=off, wherever the service is put together.

const SECRET = 'an-admin-settings-test-secret-of-32-bytes-at-least'
const noMail: Mailer = { send: async () => {} }

function refusal(f: () => unknown): SettingsError {
  try {
    f()
  } catch (err) {
    if (err instanceof SettingsError) return err
    throw new Error(`expected a SettingsError, got ${String(err)}`)
  }
  throw new Error('expected a refusal')
}

describe('parseSettings: ADMIN_EMAILS', () => {
  it('normalises each address as registration does and drops repeats; unset or empty leaves no list', () => {
    const s = parseSettings({ ADMIN_EMAILS: ' Ops@Example.com, ada@example.com,,ops@example.COM ' })
    expect(s.adminEmails).toEqual(['ops@example.com', 'ada@example.com'])
    expect(parseSettings({})).not.toHaveProperty('adminEmails')
    expect(parseSettings({ ADMIN_EMAILS: ' , ' })).not.toHaveProperty('adminEmails')
  })

  it('names every bad entry by its place, never its value', () => {
    const err = refusal(() => parseSettings({ ADMIN_EMAILS: 'ops@example.com,not-an-address,x@y@z' }))
    expect(err.message).toBe(
      'invalid configuration:\n  ADMIN_EMAILS entry 2 is not an email address\n  ADMIN_EMAILS entry 3 is not an email address',
    )
    expect(err.message).not.toContain('not-an-address')
    const many = Array.from({ length: MAX_ADMIN_EMAILS + 1 }, (_, i) => `a${i}@example.com`).join(',')
    expect(refusal(() => parseSettings({ ADMIN_EMAILS: many })).message).toMatch(/ADMIN_EMAILS lists more than 50/)
  })
})

describe('ADMIN_EMAILS with EMAIL_VERIFICATION=off', () => {
  const service = (env: Record<string, string>, mail?: { emailVerification: 'off' | 'optional' }) =>
    buildService({
      settings: parseSettings({ JWT_SECRET: SECRET, ...env }),
      stores: createMemoryStores(),
      clientIp: () => '127.0.0.1',
      log: { event() {} },
      ...(mail && { mail: { settings: { ...mail, passwordReset: true }, mailer: noMail } }),
    })

  it('refuses the start, naming both variables, in one line for the Node log', () => {
    const err = refusal(() => service({ ADMIN_EMAILS: 'ops@example.com' }, { emailVerification: 'off' }))
    expect(err.message).toMatch(/ADMIN_EMAILS cannot be set with EMAIL_VERIFICATION=off/)
    expect(startFailure(err, {})).toMatch(
      /^invalid configuration: ADMIN_EMAILS cannot be set with EMAIL_VERIFICATION=off/,
    )
    // Mail off altogether is verification off too.
    expect(refusal(() => service({ ADMIN_EMAILS: 'ops@example.com' })).message).toMatch(/EMAIL_VERIFICATION=off/)
  })

  it('refuses the start with PASSWORD_RESET=off too: the grant comes with a reset link', () => {
    const noReset = () =>
      buildService({
        settings: parseSettings({ JWT_SECRET: SECRET, ADMIN_EMAILS: 'ops@example.com' }),
        stores: createMemoryStores(),
        clientIp: () => '127.0.0.1',
        log: { event() {} },
        mail: { settings: { emailVerification: 'optional', passwordReset: false }, mailer: noMail },
      })
    expect(refusal(noReset).message).toMatch(/ADMIN_EMAILS cannot be set with PASSWORD_RESET=off/)
    const base = { stores: createMemoryStores(), secret: SECRET, production: false }
    expect(
      refusal(() =>
        createAuth({ ...base, adminEmails: ['ops@example.com'], mail: { mailer: noMail, passwordReset: false } }),
      ).message,
    ).toMatch(/passwordReset on/)
  })

  it('starts with verification on, or without the list', () => {
    expect(service({ ADMIN_EMAILS: 'ops@example.com' }, { emailVerification: 'optional' }).fetch).toBeTypeOf('function')
    expect(service({}, { emailVerification: 'off' }).fetch).toBeTypeOf('function')
  })

  it('the Node start refuses it before it opens a store', async () => {
    const { start } = await import('../../src/node.js')
    // A REDIS_URL whose "server" only counts who connects: the refusal comes first.
    const connections: Socket[] = []
    const redis = createServer((socket) => connections.push(socket))
    await new Promise<void>((resolve) => redis.listen(0, '127.0.0.1', resolve))
    const address = redis.address()
    const env = {
      JWT_SECRET: SECRET,
      ADMIN_EMAILS: 'ops@example.com',
      EMAIL_VERIFICATION: 'off',
      PASSWORD_RESET: 'on',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      REDIS_URL: `redis://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    }
    try {
      // Should it start after all, it is stopped again, and the test fails on the answer.
      const outcome = await start(env, { sink: () => {} }).then(
        async (s) => {
          await s.stop()
          return 'started'
        },
        (err: unknown) => err,
      )
      expect(outcome).toBeInstanceOf(SettingsError)
      expect(String(outcome)).toMatch(/ADMIN_EMAILS cannot be set with EMAIL_VERIFICATION=off/)
      expect(connections).toHaveLength(0)
    } finally {
      for (const socket of connections) socket.destroy()
      await new Promise((resolve) => redis.close(resolve))
    }
  })

  it('createAuth refuses adminEmails without mail, or with emailVerification off, naming the option', () => {
    const base = { stores: createMemoryStores(), secret: SECRET, production: false, log: { event() {} } }
    const adminEmails = ['ops@example.com']
    expect(refusal(() => createAuth({ ...base, adminEmails })).message).toMatch(
      /adminEmails \(ADMIN_EMAILS\) needs mail/,
    )
    const off = { mailer: noMail, emailVerification: 'off' } as const
    expect(refusal(() => createAuth({ ...base, adminEmails, mail: off })).message).toMatch(/emailVerification/)
    expect(refusal(() => createAuth({ ...base, adminEmails: ['nope'], mail: { mailer: noMail } })).message).toMatch(
      /adminEmails \(ADMIN_EMAILS\) entry 1 is not an email address/,
    )
    expect(createAuth({ ...base, adminEmails, mail: { mailer: noMail } }).routes).toBeDefined()
  })
})

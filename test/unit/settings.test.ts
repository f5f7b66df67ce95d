import { describe, expect, it } from 'vitest'
import { parseSettings, type Settings, SettingsError } from '../../src/adapters/config/settings.js'

// A secret shaped like real output of `openssl rand -base64 33`; its first character is an `x`.
const GOOD_SECRET = 'xQ7vK2mP9sT4wY8zB3nC6dF1gH5jL0aR2eU7iO9p'

/** The error parseSettings throws for `env`, or a failure when it does not throw one. */
function settingsError(env: Record<string, string | undefined>): SettingsError {
  try {
    parseSettings(env)
  } catch (e) {
    if (e instanceof SettingsError) return e
    throw new Error(`expected a SettingsError, got ${String(e)}`)
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`)
}

describe('parseSettings: defaults', () => {
  it('fills in the contract defaults outside production', () => {
    expect(parseSettings({})).toEqual({
      production: false,
      port: 3000,
      jwtSecret: undefined,
      jwtPreviousSecrets: [],
      accessTokenAlg: 'HS256',
      jwtPrivateKey: undefined,
      jwtPreviousPublicKeys: undefined,
      jwtIssuer: undefined,
      jwtAudience: undefined,
      redisUrl: undefined,
      accessTokenTtl: 600,
      refreshTokenTtl: 2_592_000,
      refreshReuseGrace: 10,
      sessionMaxLifetime: 7_776_000,
      cookieSecure: false,
      cookieSameSite: 'lax',
      publicOrigin: undefined,
      allowedOrigins: [],
      corsOrigins: [],
      loginFailureLimit: 10,
      rateLimitPerMinute: 60,
      maxSessionsPerUser: 100,
      sessionCheck: 'off',
      sessionCheckMaxAge: 1,
      trustProxy: false,
      logLevel: 'info',
      ui: true,
    } satisfies Settings)
  })

  it('treats empty strings as unset', () => {
    expect(parseSettings({ PORT: '', JWT_SECRET: '', COOKIE_SECURE: '', ACCESS_TOKEN_TTL: undefined })).toEqual(
      parseSettings({}),
    )
  })

  it('defaults COOKIE_SECURE to true in production, and lets it be turned off explicitly', () => {
    const prod = { NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET }
    expect(parseSettings(prod)).toMatchObject({ production: true, cookieSecure: true })
    expect(parseSettings({ ...prod, COOKIE_SECURE: 'false' }).cookieSecure).toBe(false)
    expect(parseSettings({ NODE_ENV: 'development' }).cookieSecure).toBe(false)
  })
})

describe('parseSettings: every variable is read', () => {
  it('reads every variable of the configuration table', () => {
    const s = parseSettings({
      PORT: '8080',
      JWT_SECRET: GOOD_SECRET,
      JWT_ISSUER: 'https://auth.example.com',
      JWT_AUDIENCE: 'app',
      REDIS_URL: 'rediss://cache.example.com:6380/0',
      ACCESS_TOKEN_TTL: '300',
      REFRESH_TOKEN_TTL: '86400',
      REFRESH_REUSE_GRACE: '5',
      SESSION_MAX_LIFETIME: '172800',
      COOKIE_SECURE: 'true',
      PUBLIC_ORIGIN: 'https://app.example.com',
      ALLOWED_ORIGINS: 'https://a.example.com, http://localhost:5173 ,,',
      CORS_ORIGINS: ' https://spa.example.net,http://localhost:5173,',
      COOKIE_SAMESITE: 'none',
      LOGIN_FAILURE_LIMIT: '3',
      RATE_LIMIT_PER_MINUTE: '120',
      MAX_SESSIONS_PER_USER: '20',
      SESSION_CHECK: 'strict',
      SESSION_CHECK_MAX_AGE: '5',
      TRUST_PROXY: '1',
      LOG_LEVEL: 'warn',
      UI: 'off',
    })
    expect(s).toEqual({
      production: false,
      port: 8080,
      jwtSecret: GOOD_SECRET,
      jwtPreviousSecrets: [],
      accessTokenAlg: 'HS256',
      jwtPrivateKey: undefined,
      jwtPreviousPublicKeys: undefined,
      jwtIssuer: 'https://auth.example.com',
      jwtAudience: 'app',
      redisUrl: 'rediss://cache.example.com:6380/0',
      accessTokenTtl: 300,
      refreshTokenTtl: 86_400,
      refreshReuseGrace: 5,
      sessionMaxLifetime: 172_800,
      cookieSecure: true,
      cookieSameSite: 'none',
      publicOrigin: 'https://app.example.com',
      allowedOrigins: ['https://a.example.com', 'http://localhost:5173'],
      corsOrigins: ['https://spa.example.net', 'http://localhost:5173'],
      loginFailureLimit: 3,
      rateLimitPerMinute: 120,
      maxSessionsPerUser: 20,
      sessionCheck: 'strict',
      sessionCheckMaxAge: 5,
      trustProxy: true,
      logLevel: 'warn',
      ui: false,
    } satisfies Settings)
  })

  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('reads booleans: %s', (raw, value) => {
    expect(parseSettings({ COOKIE_SECURE: raw, TRUST_PROXY: raw })).toMatchObject({
      cookieSecure: value,
      trustProxy: value,
    })
  })
})

describe('parseSettings: bad values name the variable', () => {
  it.each([
    ['PORT', '70000'],
    ['PORT', '0'],
    ['PORT', '80.5'],
    ['PORT', 'http'],
    ['ACCESS_TOKEN_TTL', 'ten minutes'],
    ['ACCESS_TOKEN_TTL', '-600'],
    ['ACCESS_TOKEN_TTL', '1e3'],
    ['ACCESS_TOKEN_TTL', '0x10'],
    ['REFRESH_TOKEN_TTL', 'NaN'],
    ['REFRESH_TOKEN_TTL', '99999999999'],
    ['REFRESH_REUSE_GRACE', 'soon'],
    ['REFRESH_REUSE_GRACE', '301'],
    ['SESSION_MAX_LIFETIME', 'forever'],
    ['SESSION_MAX_LIFETIME', '34560001'],
    ['COOKIE_SECURE', 'maybe'],
    ['COOKIE_SECURE', 'yes'],
    ['TRUST_PROXY', 'TRUE '],
    ['LOG_LEVEL', 'verbose'],
    ['LOG_LEVEL', 'WARN'],
    ['LOG_LEVEL', 'warning'],
    ['PUBLIC_ORIGIN', 'https://app.example.com/path'],
    ['PUBLIC_ORIGIN', 'https://app.example.com/'],
    ['PUBLIC_ORIGIN', 'https://app.example.com?x=1'],
    ['PUBLIC_ORIGIN', 'app.example.com'],
    ['PUBLIC_ORIGIN', 'not a url'],
    ['ALLOWED_ORIGINS', 'https://ok.example.com,https://bad.example.com/path'],
    ['ALLOWED_ORIGINS', 'example.com'],
    ['ALLOWED_ORIGINS', 'not a url'],
    ['CORS_ORIGINS', '*'],
    ['CORS_ORIGINS', 'null'],
    ['CORS_ORIGINS', 'https://ok.example.com,https://bad.example.com/'],
    ['CORS_ORIGINS', 'https://*.example.com'],
    ['CORS_ORIGINS', 'spa.example.net'],
    ['COOKIE_SAMESITE', 'Lax'],
    ['COOKIE_SAMESITE', 'strict '],
    ['COOKIE_SAMESITE', 'no'],
    ['COOKIE_SAMESITE', 'none'],
    ['LOGIN_FAILURE_LIMIT', '0'],
    ['LOGIN_FAILURE_LIMIT', 'ten'],
    ['RATE_LIMIT_PER_MINUTE', '0'],
    ['RATE_LIMIT_PER_MINUTE', '-1'],
    ['MAX_SESSIONS_PER_USER', '0'],
    ['MAX_SESSIONS_PER_USER', '10001'],
    ['SESSION_CHECK', 'on'],
    ['SESSION_CHECK', 'Strict'],
    ['SESSION_CHECK', 'true'],
    ['SESSION_CHECK_MAX_AGE', '301'],
    ['SESSION_CHECK_MAX_AGE', '-1'],
    ['SESSION_CHECK_MAX_AGE', '0.5'],
    ['SESSION_CHECK_MAX_AGE', '1s'],
    ['REDIS_URL', 'http://cache.example.com'],
    ['JWT_SECRET', 'too-short'],
  ])('%s=%j is refused with a SettingsError naming it', (name, value) => {
    const error = settingsError({ [name]: value })
    expect(error.name).toBe('SettingsError')
    expect(error.message).toContain(name)
  })

  it('takes only https CORS origins in production, or a local development app', () => {
    const prod = { NODE_ENV: 'production', JWT_SECRET: 'a-long-production-secret-value-for-this-test' }
    const error = settingsError({ ...prod, CORS_ORIGINS: 'https://spa.example.net,http://spa.example.net' })
    expect(error.message).toContain('CORS_ORIGINS entry 2 must be https in production')
    expect(error.message).not.toContain('spa.example.net')
    const ok = parseSettings({ ...prod, CORS_ORIGINS: 'https://spa.example.net,http://localhost:5173' })
    expect(ok.corsOrigins).toEqual(['https://spa.example.net', 'http://localhost:5173'])
    // Outside production a plain-HTTP app on another host is allowed (a test environment).
    expect(parseSettings({ CORS_ORIGINS: 'http://spa.test:8080' }).corsOrigins).toEqual(['http://spa.test:8080'])
  })

  it('names every bad variable at once', () => {
    const error = settingsError({ PORT: '70000', ACCESS_TOKEN_TTL: 'x', COOKIE_SECURE: 'maybe' })
    for (const name of ['PORT', 'ACCESS_TOKEN_TTL', 'COOKIE_SECURE']) expect(error.message).toContain(name)
  })

  it('refuses a session lifetime shorter than the access token lifetime', () => {
    const error = settingsError({ ACCESS_TOKEN_TTL: '3600', SESSION_MAX_LIFETIME: '600' })
    expect(error.message).toContain('SESSION_MAX_LIFETIME')
  })
})

describe('parseSettings: UI', () => {
  const production = { NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET }

  it('is on by default outside production and off in production', () => {
    expect(parseSettings({}).ui).toBe(true)
    expect(parseSettings(production).ui).toBe(false)
  })

  it('takes on or off either way', () => {
    expect(parseSettings({ UI: 'off' }).ui).toBe(false)
    expect(parseSettings({ ...production, UI: 'on' }).ui).toBe(true)
  })

  it('refuses anything else, naming the variable', () => {
    expect(() => parseSettings({ UI: 'yes' })).toThrow(/UI must be on or off/)
  })
})

describe('parseSettings: COOKIE_SAMESITE and CORS_ORIGINS', () => {
  it.each(['lax', 'strict'])('reads COOKIE_SAMESITE=%s with or without Secure cookies', (value) => {
    expect(parseSettings({ COOKIE_SAMESITE: value }).cookieSameSite).toBe(value)
    expect(parseSettings({ COOKIE_SAMESITE: value, COOKIE_SECURE: 'true' }).cookieSameSite).toBe(value)
  })

  it('takes none only with Secure cookies, and names both variables otherwise', () => {
    expect(parseSettings({ COOKIE_SAMESITE: 'none', COOKIE_SECURE: '1' }).cookieSameSite).toBe('none')
    expect(parseSettings({ NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET, COOKIE_SAMESITE: 'none' })).toMatchObject({
      cookieSecure: true,
      cookieSameSite: 'none',
    })
    for (const env of [
      { COOKIE_SAMESITE: 'none' },
      { COOKIE_SAMESITE: 'none', COOKIE_SECURE: 'false' },
      { NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET, COOKIE_SAMESITE: 'none', COOKIE_SECURE: '0' },
    ]) {
      const error = settingsError(env)
      expect(error.message).toContain('COOKIE_SAMESITE')
      expect(error.message).toContain('COOKIE_SECURE')
    }
  })

  it('names a bad origin of CORS_ORIGINS or ALLOWED_ORIGINS by its place, never echoing it', () => {
    for (const name of ['CORS_ORIGINS', 'ALLOWED_ORIGINS']) {
      const error = settingsError({ [name]: 'https://ok.example.com, https://admin:hunter2@bad.example.com' })
      expect(error.message).toContain(name)
      expect(error.message).toContain('entry 2')
      expect(error.message).not.toContain('hunter2')
      expect(error.message).not.toContain('bad.example.com')
    }
  })

  it('keeps CORS_ORIGINS apart from ALLOWED_ORIGINS', () => {
    expect(parseSettings({ CORS_ORIGINS: 'https://spa.example.net' })).toMatchObject({
      corsOrigins: ['https://spa.example.net'],
      allowedOrigins: [],
    })
  })
})

describe('parseSettings: JWT_SECRET', () => {
  const production = { NODE_ENV: 'production' }

  it('is required in production', () => {
    expect(settingsError(production).message).toContain('JWT_SECRET')
    expect(settingsError({ ...production, JWT_SECRET: '' }).message).toContain('JWT_SECRET')
  })

  it('must be at least 32 bytes: 31 is refused in production, 32 accepted', () => {
    const short = 'k7Hq2Zp9Lm4Xv8Rt3Wn6Yb1Cd5Fg0Js'
    expect(new TextEncoder().encode(short).length).toBe(31)
    const error = settingsError({ ...production, JWT_SECRET: short })
    expect(error.message).toContain('JWT_SECRET')
    expect(error.message).not.toContain(short)
    expect(parseSettings({ ...production, JWT_SECRET: `${short}a` }).jwtSecret).toBe(`${short}a`)
  })

  it('counts bytes, not characters', () => {
    const accented = 'é'.repeat(16)
    expect(accented.length).toBe(16)
    expect(parseSettings({ JWT_SECRET: accented }).jwtSecret).toBe(accented)
  })

  it.each([
    'changeme'.padEnd(40, 'x'),
    'changeme'.repeat(5),
    'change-me-change-me-change-me-change-me!',
    'CHANGEME'.padEnd(40, '0'),
    'your-secret-here-please-replace-it-now-ok',
    'secretsecretsecretsecretsecretsecretsecret',
    'x'.repeat(40),
    '0'.repeat(40),
    'a'.repeat(40),
  ])('refuses the placeholder %j in production without echoing it', (secret) => {
    const error = settingsError({ ...production, JWT_SECRET: secret })
    expect(error.message).toContain('JWT_SECRET')
    expect(error.message).not.toContain(secret)
    expect(error.message).not.toContain(secret.slice(0, 12))
  })

  it.each([GOOD_SECRET, '0fA9c4e1b7d24f6a8e3c5b9d1f7a2e4c6b8d0f1a', 'Xe5tq8WvN2pR7sK4yH9mB3cJ6fL1gD0zA8uE5iO2'])(
    'accepts a random-looking secret in production, whatever its first character: %j',
    (secret) => {
      expect(parseSettings({ ...production, JWT_SECRET: secret }).jwtSecret).toBe(secret)
    },
  )

  it('never puts the secret in the message, whatever else is wrong', () => {
    const secret = 'short-secret-value'
    const error = settingsError({ JWT_SECRET: secret, PORT: 'x', PUBLIC_ORIGIN: 'nope' })
    expect(error.message).not.toContain(secret)
    expect(error.message).toContain('JWT_SECRET')
  })

  it('is optional outside production', () => {
    expect(parseSettings({ NODE_ENV: 'test' }).jwtSecret).toBeUndefined()
  })
})

describe('parseSettings: JWT_PREVIOUS_SECRETS', () => {
  const OLD = 'pV3mQ8wK1tZ6yR4nB9cX2dF7gH0jL5aS8eU3iO6q'
  const OLDER = 'zN5rT2kW8vY1mQ6pB4cX9dF3gH7jL0aS2eU5iO8w'

  it('reads a comma-separated list, trimmed, duplicates once, and none by default', () => {
    expect(parseSettings({ JWT_SECRET: GOOD_SECRET }).jwtPreviousSecrets).toEqual([])
    const s = parseSettings({ JWT_SECRET: GOOD_SECRET, JWT_PREVIOUS_SECRETS: ` ${OLD} ,${OLDER},${OLD},` })
    expect(s.jwtPreviousSecrets).toEqual([OLD, OLDER])
  })

  it.each([
    ['a short entry', `${OLD},short`, 'JWT_PREVIOUS_SECRETS entry 2 must be at least 32 bytes'],
    ['JWT_SECRET itself', GOOD_SECRET, 'JWT_PREVIOUS_SECRETS entry 1 is JWT_SECRET itself'],
    ['more than five', Array.from({ length: 6 }, (_, i) => `${OLD}${i}`).join(','), 'lists more than 5'],
  ])('refuses %s, naming the entry and never its value', (_, raw, message) => {
    const err = (() => {
      try {
        parseSettings({ JWT_SECRET: GOOD_SECRET, JWT_PREVIOUS_SECRETS: raw })
      } catch (e) {
        return e as Error
      }
      throw new Error('did not throw')
    })()
    expect(err.message).toContain(message)
    expect(err.message).not.toContain(OLD)
    expect(err.message).not.toContain('short')
  })

  it('refuses a placeholder in production, and previous secrets without JWT_SECRET', () => {
    const prod = { NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET }
    expect(() => parseSettings({ ...prod, JWT_PREVIOUS_SECRETS: 'changeme-changeme-changeme-changeme-1' })).toThrow(
      'JWT_PREVIOUS_SECRETS entry 1 must not be a placeholder in production',
    )
    expect(() => parseSettings({ JWT_PREVIOUS_SECRETS: OLD })).toThrow('JWT_PREVIOUS_SECRETS needs JWT_SECRET')
  })
})

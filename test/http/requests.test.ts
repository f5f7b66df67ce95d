import { describe, expect, it, vi } from 'vitest'
import type { Email } from '../../src/domain/email.js'
import { bodyOf, expectProblem, PASSWORD, post, raw, setsCookies, setup, signedIn } from './helpers.js'

const KIB = 1024

/** A JSON body of exactly `size` bytes that parses as a login or register body. */
const jsonOfSize = (size: number, email = 'big@example.com'): string => {
  const base = JSON.stringify({ email, password: '' })
  return JSON.stringify({ email, password: 'p'.repeat(size - base.length) })
}

/** A chunked body: a stream of `chunks` pieces of `chunkSize` bytes, with no Content-Length. */
const chunked = (chunks: number, chunkSize: number): RequestInit => {
  const piece = new TextEncoder().encode('x'.repeat(chunkSize))
  let sent = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < chunks) controller.enqueue(piece)
      else controller.close()
    },
  })
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit
}

describe('methods and paths', () => {
  it.each([
    ['GET', '/register', 'POST'],
    ['PUT', '/login', 'POST'],
    ['GET', '/refresh', 'POST'],
    ['GET', '/logout', 'POST'],
    ['DELETE', '/logout-all', 'POST'],
    ['POST', '/session', 'GET, HEAD'],
    ['DELETE', '/profile', 'GET, HEAD, POST'],
    ['PATCH', '/profile', 'GET, HEAD, POST'],
    ['POST', '/sessions', 'GET, HEAD'],
    ['GET', '/sessions/abc', 'DELETE'],
    ['POST', '/health', 'GET, HEAD'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
    const t = await setup()
    const res = await t.app.request(path, { method })
    expect(res.headers.get('allow')).toBe(allow)
    await expectProblem(res, 405, 'method_not_allowed')
  })

  it('lists in Allow only methods that do answer', async () => {
    const t = await setup()
    const { client, sessionId } = await signedIn(t, 'ada@example.com')
    expect((await client.request('/session', { method: 'HEAD' })).status).toBe(200)
    expect((await client.request('/profile', { method: 'HEAD' })).status).toBe(200)
    expect((await client.request('/sessions', { method: 'HEAD' })).status).toBe(200)
    expect((await client.request('/health', { method: 'HEAD' })).status).toBe(200)
    expect((await client.request(`/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204)
  })

  it.each([
    ['GET', '/'],
    ['GET', '/nope'],
    ['POST', '/nope'],
    ['GET', '/sessions/a/b'],
    ['GET', '/register/x'],
  ])('answers %s %s (an unknown path) with 404', async (method, path) => {
    const t = await setup()
    await expectProblem(await t.app.request(path, { method }), 404, 'not_found')
  })
})

describe('body size', () => {
  it('accepts 16 KiB and answers 413 with Connection: close beyond it (Content-Length)', async () => {
    const t = await setup()
    const ok = await t.app.request(
      '/login',
      raw(jsonOfSize(16 * KIB), 'application/json') as RequestInit & { headers: Record<string, string> },
    )
    expect(ok.status).not.toBe(413)
    const body = jsonOfSize(16 * KIB + 1)
    const res = await t.app.request('/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
      body,
    })
    expect(res.headers.get('connection')).toBe('close')
    await expectProblem(res, 413, 'payload_too_large')
    expect(await t.stores.users.findByEmail('big@example.com' as Email)).toBeNull()
  })

  it.each(['/register', '/login', '/refresh', '/logout'])(
    'answers 413 with Connection: close for an over-long body to %s without Content-Length',
    async (path) => {
      const t = await setup()
      const res = await t.app.request(path, raw(jsonOfSize(16 * KIB + 1), 'application/json'))
      expect(res.headers.get('connection')).toBe('close')
      await expectProblem(res, 413, 'payload_too_large')
      expect(setsCookies(res)).toBe(false)
    },
  )

  it('answers 413 for a chunked body over 16 KiB', async () => {
    const t = await setup()
    const res = await t.app.request('/register', chunked(17, KIB))
    expect(res.headers.get('connection')).toBe('close')
    await expectProblem(res, 413, 'payload_too_large')
  })

  it('answers 413 for a chunked body to an authenticated route', async () => {
    const t = await setup()
    const { client } = await signedIn(t, 'ada@example.com')
    const res = await client.request('/profile', chunked(64, KIB))
    expect(res.headers.get('connection')).toBe('close')
    await expectProblem(res, 413, 'payload_too_large')
  })

  it('reads a small chunked body normally', async () => {
    const t = await setup()
    const text = JSON.stringify({ email: 'chunk@example.com', password: PASSWORD })
    const bytes = new TextEncoder().encode(text)
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 10))
        controller.enqueue(bytes.slice(10))
        controller.close()
      },
    })
    const res = await t.app.request('/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit)
    expect(res.status).toBe(201)
  })
})

describe('content type', () => {
  const good = JSON.stringify({ email: 'ct@example.com', password: PASSWORD })

  it.each([
    ['text/plain', 'text/plain'],
    ['text/plain with charset', 'text/plain;charset=UTF-8'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['no content type', undefined],
    ['a JSON look-alike', 'application/jsonx'],
  ])('answers a JSON body sent as %s with 415 on /register, before any work', async (_label, type) => {
    const t = await setup()
    const res = await t.app.request('/register', raw(good, type))
    await expectProblem(res, 415, 'unsupported_media_type')
    expect(await t.stores.users.findByEmail('ct@example.com' as Email)).toBeNull()
  })

  it('answers 415 on /login and POST /profile for text/plain', async () => {
    const t = await setup()
    const { client } = await signedIn(t, 'ada@example.com')
    await expectProblem(
      await t.app.request(
        '/login',
        raw(JSON.stringify({ email: 'ada@example.com', password: PASSWORD }), 'text/plain'),
      ),
      415,
      'unsupported_media_type',
    )
    await expectProblem(
      await client.request('/profile', raw(JSON.stringify({ name: 'x' }), 'text/plain')),
      415,
      'unsupported_media_type',
    )
  })

  it('accepts application/json with parameters, in any case', async () => {
    const t = await setup()
    expect((await t.app.request('/register', raw(good, 'Application/JSON; charset=utf-8'))).status).toBe(201)
  })

  it.each(['/refresh', '/logout', '/logout-all'])(
    'accepts an empty body on %s whatever its content type',
    async (path) => {
      for (const type of [
        undefined,
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json',
        'application/octet-stream',
      ]) {
        const t = await setup()
        const { client } = await signedIn(t, 'ada@example.com')
        const res = await client.request(path, raw('', type))
        expect(res.status, `${path} ${type}`).toBe(path === '/refresh' ? 200 : 204)
      }
    },
  )

  it('accepts no body at all on /refresh, /logout and /logout-all', async () => {
    const t = await setup()
    const { client } = await signedIn(t, 'ada@example.com')
    expect((await client.request('/refresh', { method: 'POST' })).status).toBe(200)
    expect((await client.request('/logout-all', { method: 'POST' })).status).toBe(204)
    expect((await client.request('/logout', { method: 'POST' })).status).toBe(204)
  })

  it('answers a non-empty, non-JSON body on a bodiless endpoint with 415', async () => {
    const t = await setup()
    const { client } = await signedIn(t, 'ada@example.com')
    await expectProblem(await client.request('/refresh', raw('hello', 'text/plain')), 415, 'unsupported_media_type')
    await expectProblem(
      await client.request('/logout', raw('a=b', 'application/x-www-form-urlencoded')),
      415,
      'unsupported_media_type',
    )
  })
})

describe('JSON and strict schemas', () => {
  it.each([
    ['not JSON', '{email: "x"}'],
    ['truncated', '{"email":"a@example.com",'],
    ['empty', ''],
    ['null', 'null'],
    ['an array', '[]'],
    ['a string', '"hello"'],
    ['a number', '42'],
  ])('answers a body that is %s with 400 invalid_request', async (_label, body) => {
    const t = await setup()
    for (const path of ['/register', '/login']) {
      await expectProblem(await t.app.request(path, raw(body, 'application/json')), 400, 'invalid_request')
    }
  })

  it('answers unknown keys with 400 and names the field without echoing values', async () => {
    const t = await setup()
    const res = await t.client.request('/register', post({ email: 'a@example.com', password: PASSWORD, role: 'admin' }))
    const body = await expectProblem(res, 400, 'invalid_request')
    expect(body.detail).toMatch(/role/)
    expect(JSON.stringify(body)).not.toContain(PASSWORD)
    expect(JSON.stringify(body)).not.toContain('admin')
  })

  it.each([
    ['__proto__ at the top', `{"email":"p@example.com","password":"${PASSWORD}","__proto__":{"polluted":"yes"}}`],
    ['__proto__ alone', '{"__proto__":{"polluted":"yes"}}'],
    [
      'constructor.prototype',
      `{"email":"p@example.com","password":"${PASSWORD}","constructor":{"prototype":{"polluted":"yes"}}}`,
    ],
    ['__proto__ inside a field', `{"email":{"__proto__":{"polluted":"yes"}},"password":"${PASSWORD}"}`],
  ])('refuses %s with 400 and pollutes nothing', async (_label, body) => {
    const t = await setup()
    for (const path of ['/register', '/login']) {
      await expectProblem(await t.app.request(path, raw(body, 'application/json')), 400, 'invalid_request')
    }
    const { client } = await signedIn(t, 'ada@example.com')
    await expectProblem(
      await client.request('/profile', raw(body.replace('"email"', '"name"'), 'application/json')),
      400,
      'invalid_request',
    )
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
    expect(await t.stores.users.findByEmail('p@example.com' as Email)).toBeNull()
  })

  it('answers with problem bodies that carry no stack trace, even for an internal error', async () => {
    const t = await setup()
    const broken = {
      ...t.deps.users,
      findByEmail: async () => {
        throw new TypeError('boom at secret place')
      },
    }
    ;(t.deps as unknown as { users: typeof broken }).users = broken
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const res = await t.app.request(
        '/register',
        raw(JSON.stringify({ email: 'e@example.com', password: PASSWORD }), 'application/json'),
      )
      const body = await expectProblem(res, 500, 'internal')
      expect(JSON.stringify(body)).not.toMatch(/boom|TypeError|secret/)
      expect(JSON.stringify(logged.mock.calls)).not.toMatch(/boom|secret|e@example.com|correct horse/)
    } finally {
      logged.mockRestore()
    }
  })
})

describe('every answer', () => {
  it('carries Cache-Control: no-store and a request id', async () => {
    const t = await setup()
    for (const res of [
      await t.app.request('/health'),
      await t.app.request('/nope'),
      await t.client.request('/login', post({ email: 'x@example.com', password: PASSWORD })),
    ]) {
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(res.headers.get('x-request-id')).toBeTruthy()
    }
    expect(await bodyOf(await t.app.request('/health'))).toMatchObject({ status: 'ok' })
  })
})

import { Validator } from '@seriousme/openapi-schema-validator'
import { describe, expect, it } from 'vitest'
import { createAuthRoutes } from '../../src/adapters/http/auth-routes.js'
import type { HttpConfig } from '../../src/adapters/http/config.js'
import { createCookieJar } from '../../src/adapters/http/cookies.js'
import { openApiDocument } from '../../src/adapters/http/openapi.js'
import { createRequireAuth } from '../../src/adapters/http/require-auth.js'
import { makeTestApp } from '../support/app-harness.js'

/**
 * The document against the OpenAPI 3.1 schema, with a validator from npm. Node only: the validator
 * compiles JSON Schemas to code at run time, which workerd refuses; test/http/openapi.test.ts checks
 * the same document's content on every store and in workerd.
 */

async function expectValid(document: unknown): Promise<void> {
  const validator = new Validator()
  const result = await validator.validate(JSON.parse(JSON.stringify(document)))
  expect(result.errors ?? []).toEqual([])
  expect(result.valid).toBe(true)
  expect(validator.version).toBe('3.1')
}

describe('the OpenAPI document', () => {
  it.each([false, true])(
    'is valid OpenAPI 3.1 as the standalone service serves it (cookieSecure %s)',
    async (secure) => {
      const t = await makeTestApp({ config: { cookieSecure: secure } })
      const res = await t.app.request('/openapi.json')
      expect(res.status).toBe(200)
      await expectValid(await res.json())
    },
  )

  it('is valid OpenAPI 3.1 for a host app that mounts the routes under a base path', async () => {
    const t = await makeTestApp()
    const config: HttpConfig = { cookieSecure: true, allowedOrigins: [], clientIp: () => '127.0.0.1' }
    const jar = createCookieJar(true)
    const routes = createAuthRoutes(t.deps, config, jar, createRequireAuth(t.deps, config, jar))
    await expectValid(await openApiDocument(routes, { cookieSecure: true, basePath: '/auth', version: '9.9.9' }))
  })

  it('is refused by the validator when broken, so the checks above can fail', async () => {
    const t = await makeTestApp()
    const doc = (await (await t.app.request('/openapi.json')).json()) as { paths: Record<string, unknown> }
    doc.paths['/login'] = { post: { responses: { 200: { content: 'not an object' } } } }
    const result = await new Validator().validate(doc)
    expect(result.valid).toBe(false)
  })
})

import { Hono } from 'hono'
import type { RouterRoute } from 'hono/types'
import { type DescribeRouteOptions, describeRoute, generateSpecs, resolver } from 'hono-openapi'
import * as v from 'valibot'
import { ADMIN_OPERATIONS } from './admin-operations.js'
import { type Access, OPERATIONS, type Operation } from './openapi-operations.js'
import { type ProblemCode, problemCatalog, statusOf } from './problem.js'

/** An OpenAPI 3.1 document, as hono-openapi builds it. */
export type OpenApiDocument = Awaited<ReturnType<typeof generateSpecs>>

/** What the document cannot read from the routes themselves. */
export interface OpenApiOptions {
  /** `Secure` cookies with `__Host-` names, as the routes were built with (`COOKIE_SECURE`). */
  readonly cookieSecure: boolean
  /** Where a host app mounts the routes (`app.route('/auth', auth.routes)`): `/auth`, the server URL. */
  readonly basePath?: string
  readonly title?: string
  readonly version?: string
}

type Responses = NonNullable<DescribeRouteOptions['responses']>
type Security = NonNullable<DescribeRouteOptions['security']>

const SECURITY: Record<Access, Security | undefined> = {
  none: undefined,
  auth: [{ accessCookie: [] }, { bearer: [] }, { refreshCookie: [] }],
  'refresh cookie': [{ refreshCookie: [] }],
  // `{}`: no credentials at all is fine too.
  'any credentials': [{}, { accessCookie: [] }, { bearer: [] }, { refreshCookie: [] }],
}

const json = (schema: v.GenericSchema) => ({ 'application/json': { schema: resolver(schema) } })
const retryAfter = { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } }

/** The problem answers of a route, one per status, each listing its codes. */
function problemResponses(codes: readonly ProblemCode[]): Responses {
  const titles = new Map(problemCatalog().map((p) => [p.code, p.title]))
  const byStatus = new Map<number, ProblemCode[]>()
  for (const code of codes) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code])
  const entries = [...byStatus].sort(([a], [b]) => a - b)
  return Object.fromEntries(
    entries.map(([status, list]) => [
      String(status),
      {
        description: list.map((code) => `\`${code}\`: ${titles.get(code)}`).join('; '),
        ...((status === 429 || status === 503) && { headers: retryAfter }),
        content: {
          'application/problem+json': {
            schema: {
              allOf: [
                { $ref: '#/components/schemas/Problem' },
                { type: 'object', properties: { status: { const: status }, code: { enum: list } } },
              ],
            },
          },
        },
      },
    ]),
  )
}

function describe(op: Operation): DescribeRouteOptions {
  const { ok } = op
  const cookies = ok.cookies && {
    'Set-Cookie': { $ref: `#/components/headers/${ok.cookies === 'set' ? 'Set' : 'Clear'}Cookies` },
  }
  const security = SECURITY[op.access]
  return {
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary,
    description: op.description,
    ...(security && { security }),
    ...(op.params && {
      parameters: Object.entries(op.params).map(([name, description]) => ({
        in: 'path',
        name,
        required: true,
        description,
        schema: { type: 'string' },
      })),
    }),
    ...(op.body && { requestBody: { required: true, content: json(op.body) } }),
    responses: {
      [ok.status]: {
        description: ok.description,
        ...(cookies && { headers: cookies }),
        ...(ok.body && { content: json(ok.body) }),
        ...(ok.media && {
          content: { [ok.media]: { schema: { type: ok.media === 'text/html' ? 'string' : 'object' } } },
        }),
      },
      ...problemResponses(op.problems),
    },
  }
}

const ProblemSchema = v.object({
  type: v.pipe(v.string(), v.description('`urn:hono-cookie-auth:problem:` followed by the code')),
  title: v.pipe(v.string(), v.description('Fixed per code')),
  status: v.number(),
  detail: v.optional(v.pipe(v.string(), v.description('Only where there is something to add; never a value sent'))),
  code: v.picklist(problemCatalog().map((p) => p.code) as [ProblemCode, ...ProblemCode[]]),
})

/**
 * The OpenAPI 3.1 document of the routes an app has registered (the standalone app, or
 * `auth.routes` for a host app), from the valibot schemas that validate the requests. Build it
 * once and keep it: it does not change while the app runs.
 */
export async function openApiDocument(app: { readonly routes: RouterRoute[] }, o: OpenApiOptions) {
  const described = new Hono()
  const seen = new Set<string>()
  for (const { method, path } of app.routes) {
    const key = `${method} ${path}`
    const op = OPERATIONS[key] ?? ADMIN_OPERATIONS[key]
    if (!op || seen.has(key)) continue
    seen.add(key)
    described.on(method, path, describeRoute(describe(op)))
  }
  const prefix = o.cookieSecure ? '__Host-' : ''
  const cookie = (name: string, what: string) =>
    ({ type: 'apiKey', in: 'cookie', name: `${prefix}${name}`, description: what }) as const
  const problem = await resolver(ProblemSchema).toOpenAPISchema()
  return generateSpecs(described, {
    excludeStaticFile: false,
    defaultValidationErrorResponse: false,
    documentation: {
      info: {
        title: o.title ?? 'hono-cookie-auth',
        version: o.version ?? '0.1.0',
        description:
          'Cookie-based sign-in: a short-lived JWT access token and a rotating opaque refresh token, both in ' +
          '`HttpOnly` cookies (or the access token as a bearer token). Every error is `application/problem+json` ' +
          '(RFC 9457); act on `code`. Besides what each route lists, a known path with another method gets 405 ' +
          'with `Allow`, an unknown path 404 `not_found`, and a bug 500 `internal`.',
      },
      ...(o.basePath && { servers: [{ url: o.basePath }] }),
      tags: [
        { name: 'Sign-in', description: 'Accounts, login, rotation and logout.' },
        { name: 'Account', description: 'The signed-in user.' },
        { name: 'Sessions', description: 'The signed-in user’s sessions.' },
        { name: 'Service', description: 'Health and these documents.' },
        { name: 'Administration', description: 'Accounts, for callers with the role `admin`.' },
      ],
      components: {
        schemas: { Problem: problem.schema },
        securitySchemes: {
          accessCookie: cookie(
            'access_token',
            'The access token (a JWT); expired, it is refreshed if the refresh cookie is valid.',
          ),
          refreshCookie: cookie('refresh_token', 'The opaque refresh token; rotates on every use.'),
          bearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'The access token as `Authorization: Bearer`.',
          },
        },
        headers: {
          RetryAfter: { description: 'Whole seconds, at least 1', schema: { type: 'integer', minimum: 1 } },
          SetCookies: {
            description: `Both cookies (\`${prefix}access_token\`, \`${prefix}refresh_token\`), \`HttpOnly; Path=/\`${o.cookieSecure ? '; Secure' : ''}`,
            schema: { type: 'string' },
          },
          ClearCookies: { description: 'Both cookies cleared (`Max-Age=0`)', schema: { type: 'string' } },
        },
      },
    },
  })
}

import type { Context, Env, MiddlewareHandler } from 'hono'
import type { BlankInput } from 'hono/types'
import * as v from 'valibot'
import type { SecurityLog } from '../../application/ports.js'
import type { HttpConfig } from './config.js'
import { type ProblemResponse, problem } from './problem.js'
import { requestIdOf } from './request-log.js'

/** The methods `originGuard` guards: it is registered for these alone, so a GET never runs it. */
export const STATE_CHANGING = ['POST', 'PUT', 'PATCH', 'DELETE']
// The `Sec-Fetch-Site` values that are not cross-site. Anything else counts as cross-site: an
// unknown value, or two headers that the runtime joins into one (`cross-site, same-origin`).
const SAME_SITE = new Set(['same-origin', 'same-site', 'none'])

/**
 * Refuses cross-site requests before any work: a `Sec-Fetch-Site` that is not exactly
 * `same-origin`, `same-site` or `none`, or an `Origin` that is neither ours nor allowed. Register
 * it for `STATE_CHANGING` methods only (`app.on(STATE_CHANGING, '*', ...)`). Hono's `csrf()` only
 * looks at form content types, and this API takes JSON. No header at all means a non-browser
 * client, which passes. A CORS origin passes whatever `Sec-Fetch-Site` says: a browser app on
 * another site sends `cross-site` with every request, and the `Origin` a browser sends is its own.
 */
export function originGuard(config: HttpConfig, log: SecurityLog): MiddlewareHandler {
  const allowed = new Set(config.allowedOrigins)
  const cors = new Set(config.corsOrigins)
  return async (c, next) => {
    const site = c.req.header('sec-fetch-site')
    const origin = c.req.header('origin')
    if (origin !== undefined && cors.has(origin)) return next()
    const own = config.publicOrigin ?? new URL(c.req.url).origin
    if (
      (site !== undefined && !SAME_SITE.has(site)) ||
      (origin !== undefined && origin !== own && !allowed.has(origin))
    ) {
      const fields = { ip: config.clientIp(c), path: c.req.path, origin: origin?.slice(0, 200) ?? null }
      log.event('csrf_rejected', { ...fields, requestId: requestIdOf(c) })
      return problem(c, 'forbidden_origin')
    }
    return next()
  }
}

const isJson = (contentType: string | undefined): boolean => {
  const type = contentType?.split(';')[0]?.trim().toLowerCase()
  return type === 'application/json' || (type?.startsWith('application/') === true && type.endsWith('+json'))
}

/** A field's problem in words: missing, unknown, or the message its schema gave. */
function whatIsWrong(issue: v.BaseIssue<unknown>): string {
  if (issue.type === 'strict_object') return issue.received === 'undefined' ? 'is missing' : 'is not a known field'
  if (issue.kind === 'schema') return 'has the wrong type'
  return issue.message
}

type Parsed<T> = { ok: true; value: T } | { ok: false; response: ProblemResponse<'invalid_request'> }

/** Reads a JSON body against a strict schema (behind `jsonOnly`): 400 for bad JSON or shape. */
export async function readJson<S extends v.GenericSchema>(c: Context, schema: S): Promise<Parsed<v.InferOutput<S>>> {
  let body: unknown
  try {
    body = JSON.parse(await c.req.text())
  } catch {
    return { ok: false, response: problem(c, 'invalid_request', { detail: 'the body is not valid JSON' }) }
  }
  // A strict object schema would read an array's missing keys as missing fields: say what it is.
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, response: problem(c, 'invalid_request', { detail: 'the body must be a JSON object' }) }
  }
  const result = v.safeParse(schema, body)
  if (!result.success) {
    const issue = result.issues[0]
    // Name the field, never echo a value: it may be a password.
    const path = (issue.path?.map((p: { key: unknown }) => String(p.key)).join('.') || 'body').slice(0, 64)
    return { ok: false, response: problem(c, 'invalid_request', { detail: `${path} ${whatIsWrong(issue)}` }) }
  }
  return { ok: true, value: result.output }
}

/** A content-type check, its 415 typed so that `hc` sees it. */
type ContentTypeCheck = MiddlewareHandler<Env, string, BlankInput, ProblemResponse<'unsupported_media_type'>>

/** Routes that take a JSON body: any other content type is a 415 before anything else runs. */
export const jsonOnly: ContentTypeCheck = async (c, next) =>
  isJson(c.req.header('content-type')) ? next() : problem(c, 'unsupported_media_type')

/** Routes that take no body accept an empty one with any content type; a non-empty one must be JSON. */
export const emptyOrJson: ContentTypeCheck = async (c, next) => {
  if (isJson(c.req.header('content-type'))) return next()
  // Bytes, not text: the body is only measured, and workerd warns when a body of another content
  // type is decoded as text. The body limit before this bounds how much is read.
  const size = c.req.raw.body ? (await c.req.arrayBuffer()).byteLength : 0
  return size === 0 ? next() : problem(c, 'unsupported_media_type')
}

/** The `Authorization` header, when present, must be exactly `Bearer <token>`; else `null` means 401. */
export function bearerToken(header: string | undefined): string | undefined | null {
  if (header === undefined) return undefined
  if (header.length > 8192) return null
  const m = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(header)
  return m ? m[1] : null
}

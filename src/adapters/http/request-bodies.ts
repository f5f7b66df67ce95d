import type { Env, MiddlewareHandler } from 'hono'
import * as v from 'valibot'
import { MAX_ROLE_LENGTH, MAX_ROLES, ROLE_PATTERN, ROLE_PROBLEM, ROLES_PROBLEM } from '../../domain/roles.js'
import { isWellFormed } from '../../domain/text.js'
import { readJson } from './guards.js'
import type { ProblemResponse } from './problem.js'

// Generous caps in UTF-16 units, far above what the domain accepts, so no field is huge before
// the domain rules (254-octet emails, 1024-code-point passwords, 100-code-point names) apply.
// Ill-formed UTF-16 (a lone surrogate) is refused in every field: it has no UTF-8 form, so a store
// or a KDF would read two different strings as one.
const text = (max: number) =>
  v.pipe(v.string(), v.maxLength(max, 'is too long'), v.check(isWellFormed, 'is not well-formed Unicode text'))

/** `POST /register`. These schemas validate the requests and are the OpenAPI document's request bodies. */
export const RegisterBody = v.strictObject({ email: text(1024), password: text(4096), name: v.optional(text(1024)) })
/** `POST /login`. */
export const LoginBody = v.strictObject({ email: text(1024), password: text(4096) })
/** `POST /profile`. */
export const ProfileBody = v.strictObject({ name: text(1024) })
/** `POST /email/verify`. */
export const TokenBody = v.strictObject({ token: text(256) })
/** `POST /password/forgot`. */
export const ForgotBody = v.strictObject({ email: text(1024) })
/** `POST /password/reset`. */
export const ResetBody = v.strictObject({ token: text(256), password: text(4096) })
/** `POST /password`. */
export const ChangePasswordBody = v.strictObject({ currentPassword: text(4096), newPassword: text(4096) })
/** `POST /email`. */
export const ChangeEmailBody = v.strictObject({ password: text(4096), newEmail: text(1024) })
/** `DELETE /account`. */
export const DeleteAccountBody = v.strictObject({ password: text(4096) })
/** `POST /admin/users/:id/roles`: the use case drops duplicates (src/domain/roles.ts). */
export const RolesBody = v.strictObject({
  roles: v.pipe(
    v.array(
      v.pipe(
        v.string(),
        v.minLength(1, ROLE_PROBLEM),
        v.maxLength(MAX_ROLE_LENGTH, ROLE_PROBLEM),
        v.regex(ROLE_PATTERN, ROLE_PROBLEM),
      ),
    ),
    v.maxLength(MAX_ROLES, ROLES_PROBLEM),
    v.description(`At most ${MAX_ROLES}; each 1 to ${MAX_ROLE_LENGTH} characters matching ${ROLE_PATTERN.source}`),
  ),
})

/** A route's JSON input, as `c.req.valid('json')` gives it and as `hc` asks for it. */
type JsonInput<S extends v.GenericSchema> = { in: { json: v.InferInput<S> }; out: { json: v.InferOutput<S> } }

/**
 * Reads the JSON body against its schema with `readJson` (so every 400 names the field as
 * docs/http-contract.md says) and hands the value to the handler as `c.req.valid('json')`. Put it
 * after `jsonOnly`, and after `requireAuth` where there is one: a 401 comes before a 400.
 */
export const jsonBody =
  <S extends v.GenericSchema>(
    schema: S,
  ): MiddlewareHandler<Env, string, JsonInput<S>, ProblemResponse<'invalid_request'>> =>
  async (c, next) => {
    const body = await readJson(c, schema)
    if (!body.ok) return body.response
    c.req.addValidatedData('json', body.value as object)
    await next()
  }

import * as v from 'valibot'
import { type Operation, SessionSchema, UserSchema } from './openapi-operations.js'
import type { ProblemCode } from './problem.js'
import { RolesBody } from './request-bodies.js'

/** The admin routes' success bodies, by operation id (held to the routes' types in test/types). */
export const AdminSuccessBodies = {
  adminGetUser: v.object({ user: UserSchema, disabled: v.boolean(), sessions: v.array(SessionSchema) }),
  adminSetRoles: v.object({ user: UserSchema }),
}

// Behind "auth", then the role, then the store's own check of the caller (a 403 either way).
const ADMIN: readonly ProblemCode[] = ['unauthorized', 'refresh_reused', 'account_disabled', 'store_unavailable']
const GUARDS: readonly ProblemCode[] = [...ADMIN, 'forbidden', 'not_found']
const WRITE: readonly ProblemCode[] = ['forbidden_origin', 'payload_too_large']
const STORE_CHECK =
  'Needs the role `admin`, in the access token and, checked again in the store, on the caller’s account ' +
  '(not disabled, session live): a role taken away counts at once. 404 when the id names no account.'
const user = { id: 'The target account’s id (`user.id`)' }

/** The `/admin` routes, keyed as `OPERATIONS` is. */
export const ADMIN_OPERATIONS: Readonly<Record<string, Operation>> = {
  'GET /admin/users/:id': {
    id: 'adminGetUser',
    tag: 'Administration',
    summary: 'Read an account',
    description: `The account, whether it is disabled, and its live sessions (newest first). ${STORE_CHECK}`,
    access: 'auth',
    params: user,
    ok: { status: 200, description: 'The account', body: AdminSuccessBodies.adminGetUser },
    problems: GUARDS,
  },
  'POST /admin/users/:id/roles': {
    id: 'adminSetRoles',
    tag: 'Administration',
    summary: 'Set an account’s roles',
    description: `Replaces the roles (duplicates dropped); the account’s tokens carry them from its next refresh. ${STORE_CHECK}`,
    access: 'auth',
    params: user,
    body: RolesBody,
    ok: { status: 200, description: 'The account with its new roles', body: AdminSuccessBodies.adminSetRoles },
    problems: [...WRITE, 'unsupported_media_type', 'invalid_request', ...GUARDS],
  },
  'POST /admin/users/:id/disable': {
    id: 'adminDisableUser',
    tag: 'Administration',
    summary: 'Disable an account',
    description:
      'Every session and pending mailed link of the account is revoked; its logins (with the right password) ' +
      'and the refresh of any session that survived get 403 `account_disabled`. An admin cannot disable ' +
      `their own account (400). Takes no body. ${STORE_CHECK}`,
    access: 'auth',
    params: user,
    ok: { status: 204, description: 'Disabled' },
    problems: [...WRITE, 'unsupported_media_type', 'invalid_request', ...GUARDS],
  },
  'POST /admin/users/:id/enable': {
    id: 'adminEnableUser',
    tag: 'Administration',
    summary: 'Enable an account',
    description: `Logins work again; the sessions revoked by the disable stay revoked. Takes no body. ${STORE_CHECK}`,
    access: 'auth',
    params: user,
    ok: { status: 204, description: 'Enabled' },
    problems: [...WRITE, 'unsupported_media_type', ...GUARDS],
  },
  'DELETE /admin/users/:id/sessions': {
    id: 'adminRevokeSessions',
    tag: 'Administration',
    summary: 'Revoke every session of an account',
    description: `The account stays usable: a login starts a new session. ${STORE_CHECK}`,
    access: 'auth',
    params: user,
    ok: { status: 204, description: 'Every session revoked' },
    problems: [...WRITE, ...GUARDS],
  },
}

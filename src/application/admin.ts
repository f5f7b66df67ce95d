import { fail, ok, type Result } from '../domain/errors.js'
import { ADMIN_ROLE, parseRoles } from '../domain/roles.js'
import { type PublicUser, toPublicUser, type UserId, type UserRecord } from '../domain/user.js'
import type { Deps, Identity } from './deps.js'
import { isSessionLive } from './live-session.js'
import { type SessionView, sessionViews } from './sessions.js'

/**
 * The `/admin` routes' use cases. `requireRole('admin')` in front reads the role from the access
 * token, which may be up to `ACCESS_TOKEN_TTL` old; each of these also confirms in the store that
 * the caller's session is live (else `unauthorized`) and that the caller's account still holds
 * `admin` and is not disabled (else `forbidden`), so a role taken away counts at once here.
 * Every action is a security event naming the admin (`adminId`) and the target (`userId`).
 */

type AdminDeps = Pick<Deps, 'users' | 'sessions' | 'clock' | 'log'>

/** Who asks, about whom, from where: every admin use case's input. */
export interface AdminInput {
  readonly identity: Identity
  /** The target's id as the path gave it: anything that names no account is `not_found`. */
  readonly userId: string
  readonly ip: string
}

type AdminError = 'unauthorized' | 'forbidden' | 'not_found'

/** Longer ids than this name no account (ids are made by `Random.id`): nothing is looked up. */
const MAX_USER_ID_LENGTH = 128

/** The caller, confirmed as an admin now, and the target account. */
async function admitted(
  deps: AdminDeps,
  input: AdminInput,
): Promise<Result<{ readonly admin: UserRecord; readonly target: UserRecord }, AdminError>> {
  const { identity } = input
  const wellFormed = input.userId.length > 0 && input.userId.length <= MAX_USER_ID_LENGTH
  const [live, admin, target] = await Promise.all([
    isSessionLive(deps, identity),
    deps.users.findById(identity.userId),
    wellFormed && input.userId !== identity.userId ? deps.users.findById(input.userId as UserId) : null,
  ])
  if (!live || !admin) return fail('unauthorized')
  if (admin.disabled || !admin.roles.includes(ADMIN_ROLE)) return fail('forbidden')
  const found = input.userId === identity.userId ? admin : target
  return found ? ok({ admin, target: found }) : fail('not_found')
}

/** The fields every admin event carries. */
const fieldsOf = (input: AdminInput, target: UserRecord) => ({
  adminId: input.identity.userId,
  userId: target.id,
  ip: input.ip,
})

export interface AdminUserView {
  readonly user: PublicUser
  readonly disabled: boolean
  /** The target's live sessions, as `GET /sessions` shows them (`current` marks the admin's own). */
  readonly sessions: SessionView[]
}

/** `GET /admin/users/:id`: the account, whether it is disabled, and its live sessions. */
export async function viewUser(deps: AdminDeps, input: AdminInput): Promise<Result<AdminUserView, AdminError>> {
  const gate = await admitted(deps, input)
  if (!gate.ok) return gate
  const { target } = gate.value
  const sessions = await deps.sessions.listForUser(target.id, deps.clock.now())
  deps.log.event('admin_user_viewed', fieldsOf(input, target))
  return ok({
    user: toPublicUser(target),
    disabled: target.disabled === true,
    sessions: sessionViews(sessions, input.identity.sessionId),
  })
}

/**
 * `POST /admin/users/:id/roles`: replaces the target's roles (validated, duplicates dropped). The
 * target's tokens carry them from their next refresh. An admin may take `admin` from themselves.
 */
export async function setRoles(
  deps: AdminDeps,
  input: AdminInput & { readonly roles: readonly unknown[] },
): Promise<Result<PublicUser, AdminError | 'invalid_request'>> {
  const roles = parseRoles(input.roles)
  if (!Array.isArray(roles)) return fail('invalid_request', { detail: roles.problem })
  const gate = await admitted(deps, input)
  if (!gate.ok) return gate
  const updated = await deps.users.update(gate.value.target.id, { roles })
  if (!updated) return fail('not_found')
  deps.log.event('admin_roles_set', { ...fieldsOf(input, updated), roles: roles.join(',') })
  return ok(toPublicUser(updated))
}

/**
 * `POST /admin/users/:id/disable`: sets the flag first, then revokes every session and every
 * pending mailed token (each could change the account). In that order, a login or refresh racing
 * it either sees the flag or made a session the revocation then finds. An admin cannot disable
 * their own account (400): it would lock them out with no one's say but their own.
 */
export async function disableUser(
  deps: AdminDeps & Pick<Deps, 'tokens'>,
  input: AdminInput,
): Promise<Result<{ readonly revoked: number }, AdminError | 'invalid_request'>> {
  const gate = await admitted(deps, input)
  if (!gate.ok) return gate
  const { target } = gate.value
  if (target.id === input.identity.userId) {
    return fail('invalid_request', { detail: 'an admin cannot disable their own account' })
  }
  if (!(await deps.users.update(target.id, { disabled: true }))) return fail('not_found')
  const revoked = await deps.sessions.revokeAllForUser(target.id, deps.clock.now())
  await deps.tokens.revokeForUser(target.id)
  deps.log.event('admin_user_disabled', { ...fieldsOf(input, target), sessionsRevoked: revoked })
  return ok({ revoked })
}

/** `POST /admin/users/:id/enable`: clears the flag. The sessions the disable revoked stay revoked. */
export async function enableUser(deps: AdminDeps, input: AdminInput): Promise<Result<null, AdminError>> {
  const gate = await admitted(deps, input)
  if (!gate.ok) return gate
  const { target } = gate.value
  if (!(await deps.users.update(target.id, { disabled: false }))) return fail('not_found')
  deps.log.event('admin_user_enabled', fieldsOf(input, target))
  return ok(null)
}

/**
 * `DELETE /admin/users/:id/sessions`: revokes every session of the target (the admin's own too,
 * when the target is the admin: `self` says so, and the route clears the cookies).
 */
export async function revokeUserSessions(
  deps: AdminDeps,
  input: AdminInput,
): Promise<Result<{ readonly revoked: number; readonly self: boolean }, AdminError>> {
  const gate = await admitted(deps, input)
  if (!gate.ok) return gate
  const { target } = gate.value
  const revoked = await deps.sessions.revokeAllForUser(target.id, deps.clock.now())
  deps.log.event('admin_sessions_revoked', { ...fieldsOf(input, target), sessionsRevoked: revoked })
  return ok({ revoked, self: target.id === input.identity.userId })
}

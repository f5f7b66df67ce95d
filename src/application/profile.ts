import { fail, ok, type Result } from '../domain/errors.js'
import { type PublicUser, parseName, toPublicUser } from '../domain/user.js'
import type { Deps, Identity } from './deps.js'
import { isSessionLive } from './live-session.js'

/** The caller's account. A user deleted behind a live token is `unauthorized`. */
export async function getProfile(
  deps: Pick<Deps, 'users'>,
  identity: Identity,
): Promise<Result<PublicUser, 'unauthorized'>> {
  const user = await deps.users.findById(identity.userId)
  return user ? ok(toPublicUser(user)) : fail('unauthorized')
}

/** Changes the caller's display name; the caller's session must still be live. */
export async function updateProfile(
  deps: Pick<Deps, 'users' | 'sessions' | 'clock'>,
  input: { readonly identity: Identity; readonly name: string },
): Promise<Result<PublicUser, 'invalid_request' | 'unauthorized'>> {
  const name = parseName(input.name)
  if (name === null) return fail('invalid_request', { detail: 'name must be 1 to 100 printable characters' })
  if (!(await isSessionLive(deps, input.identity))) return fail('unauthorized')
  const user = await deps.users.update(input.identity.userId, { name })
  return user ? ok(toPublicUser(user)) : fail('unauthorized')
}

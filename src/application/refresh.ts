import { fail, isUnavailable, ok, type Result } from '../domain/errors.js'
import type { Session, SessionId } from '../domain/session.js'
import { after, type Generation, seconds } from '../domain/units.js'
import type { UserRecord } from '../domain/user.js'
import type { Deps, IssuedTokens } from './deps.js'
import { issueTokens } from './issue-tokens.js'
import { throttleIp } from './throttle.js'

export interface Refreshed extends IssuedTokens {
  readonly session: Session
  /** The roles the new access token carries, as the user record holds them now. */
  readonly roles: readonly string[]
  /** False when the account could not be read after the rotation (no roles, a short token). */
  readonly accountRead: boolean
}

/** A refresh token whose MAC checked out: what it names, and nothing believed beyond that. */
export interface OpenedRefreshToken {
  readonly sessionId: SessionId
  readonly generation: Generation
}

type RotateDeps = Pick<Deps, 'users' | 'sessions' | 'accessTokens' | 'refreshTokens' | 'clock' | 'log' | 'policy'>

/**
 * `POST /refresh`: the per-IP limit, then the rotation. The MAC is checked before the store is
 * asked anything, so a forged token naming a real session revokes nothing.
 */
export async function refresh(
  deps: RotateDeps & Pick<Deps, 'limiter'>,
  input: { readonly refreshToken: string | undefined; readonly ip: string },
): Promise<Result<Refreshed, 'unauthorized' | 'refresh_reused' | 'account_disabled' | 'rate_limited'>> {
  const limited = await throttleIp(deps, 'refresh', input.ip, deps.clock.now())
  if (limited) return limited
  if (!input.refreshToken) return fail('unauthorized')
  const opened = await deps.refreshTokens.open(input.refreshToken)
  if (!opened) return fail('unauthorized')
  return rotateOpened(deps, opened, input.ip)
}

/**
 * Rotates the session an opened refresh token names: one atomic store step. Racers presenting
 * the previous token within the grace window get the very token the winner got (it is derived,
 * not stored). Used by `refresh` and by the transparent refresh of `authorizeRequest`.
 * The user is read after the rotation, so the new access token carries the roles the account holds
 * now: a role granted or taken away reaches the user's tokens at their next refresh. A session
 * whose account is gone (a deletion that raced it) is revoked and answered as missing; one whose
 * account is disabled (a login that raced the disable, a store whose revocation lags) is revoked
 * and answered `account_disabled`. A session the disable did revoke is `missing`, as any revoked
 * one: the store no longer knows whose it was.
 */
export async function rotateOpened(
  deps: RotateDeps,
  opened: OpenedRefreshToken,
  ip: string,
): Promise<Result<Refreshed, 'unauthorized' | 'refresh_reused' | 'account_disabled'>> {
  const now = deps.clock.now()
  const outcome = await deps.sessions.rotate(opened.sessionId, opened.generation, now, {
    graceMs: deps.policy.refreshReuseGrace,
    slidingMs: deps.policy.refreshTokenTtl,
  })
  switch (outcome.kind) {
    case 'missing':
      return fail('unauthorized')
    case 'reused':
      deps.log.event('refresh_reused', { userId: outcome.userId, sessionId: opened.sessionId, ip })
      return fail('refresh_reused')
    case 'rotated':
    case 'grace': {
      const { session } = outcome
      const user = await rolesAfterRotation(deps, session)
      if (user === 'gone') {
        await deps.sessions.revoke(session.id)
        return fail('unauthorized')
      }
      if (user.disabled) {
        await deps.sessions.revoke(session.id)
        deps.log.event('refresh_refused', {
          userId: session.userId,
          sessionId: session.id,
          ip,
          reason: 'account_disabled',
        })
        return fail('account_disabled')
      }
      deps.log.event('refresh', { userId: session.userId, sessionId: session.id, grace: outcome.kind === 'grace', ip })
      // A token signed without reading the account lives only until the next refresh can read it.
      const notAfter = user === UNREAD ? after(now, UNREAD_ACCOUNT_TOKEN_TTL) : session.absoluteExpiresAt
      const tokens = await issueTokens(deps, session, user.roles, now, notAfter)
      return ok({ session, roles: user.roles, accountRead: user !== UNREAD, ...tokens })
    }
  }
}

/** What a rotation signs when the account could not be read: no roles, for a short while. */
const UNREAD: Pick<UserRecord, 'roles' | 'disabled'> = Object.freeze({ roles: Object.freeze([]) })

/**
 * How long an access token signed without reading the account lives: long enough to ride out a
 * blip, short enough that a missing role (or a disable the read would have shown) is soon put right.
 */
export const UNREAD_ACCOUNT_TOKEN_TTL = seconds(60)

/**
 * The account's roles (and whether it is disabled) once its session has rotated. The rotation has
 * happened, so the client must get the new pair whatever comes next: when the account cannot be
 * read (its store is down while the sessions' answers), the access token carries no roles and
 * lives `UNREAD_ACCOUNT_TOKEN_TTL` at most, until a refresh can read the account. Fail closed: a
 * role taken away is never carried on from an older token. (A disable revokes every session too,
 * so an unreadable flag alone lets no revoked session through.)
 */
async function rolesAfterRotation(
  deps: Pick<Deps, 'users'>,
  session: Session,
): Promise<Pick<UserRecord, 'roles' | 'disabled'> | 'gone'> {
  try {
    return (await deps.users.findById(session.userId)) ?? 'gone'
  } catch (err) {
    if (isUnavailable(err)) return UNREAD
    throw err
  }
}

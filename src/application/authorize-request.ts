import { fail, ok, type Result } from '../domain/errors.js'
import { fromEpochSeconds } from '../domain/units.js'
import type { Deps, Identity, IssuedTokens } from './deps.js'
import { rotateOpened } from './refresh.js'

export interface Authorized {
  readonly identity: Identity
  /** Present when the access token was missing or expired and the pair was rotated. */
  readonly refreshed?: IssuedTokens
}

/**
 * The AuthorizeRequest rule: a valid access token proceeds with no store read; a missing or
 * expired one falls back to a rotation of the refresh token, whose server-side record alone
 * names the identity. A bad signature or bad claims are a 401 with nothing rotated.
 */
export async function authorizeRequest(
  deps: Pick<Deps, 'users' | 'sessions' | 'accessTokens' | 'refreshTokens' | 'clock' | 'log' | 'policy'>,
  input: { readonly accessToken: string | undefined; readonly refreshToken: string | undefined; readonly ip: string },
): Promise<Result<Authorized, 'unauthorized' | 'refresh_reused' | 'account_disabled'>> {
  let expired: { sub: string; sid: string } | undefined
  if (input.accessToken) {
    const verdict = await deps.accessTokens.verify(input.accessToken, deps.clock.now())
    if (verdict.valid) {
      const { sub, sid, exp, roles } = verdict.claims
      return ok({ identity: { userId: sub, sessionId: sid, roles, accessTokenExpiresAt: fromEpochSeconds(exp) } })
    }
    if (verdict.reason === 'invalid') return fail('unauthorized')
    expired = verdict.claims
  }
  if (!input.refreshToken) return fail('unauthorized')
  const opened = await deps.refreshTokens.open(input.refreshToken)
  if (!opened) return fail('unauthorized')
  // An expired token of one user beside the refresh cookie of another is a login of neither. The
  // normal case (the expired token names the refresh token's session) needs no read: the session
  // names its user, and the token that named it was signed here. Only a mismatch reads the
  // owner, before rotating, so the refresh cookie's owner keeps a working token.
  if (expired !== undefined && expired.sid !== opened.sessionId) {
    const owner = await deps.sessions.find(opened.sessionId, deps.clock.now())
    if (!owner || owner.userId !== expired.sub) return fail('unauthorized')
  }
  const rotated = await rotateOpened(deps, opened, input.ip)
  if (!rotated.ok) return rotated
  // The session is the identity's source; a signed token naming it for another user cannot exist.
  if (expired !== undefined && rotated.value.session.userId !== expired.sub) return fail('unauthorized')
  const { session, roles, ...tokens } = rotated.value
  return ok({
    identity: {
      userId: session.userId,
      sessionId: session.id,
      roles,
      accessTokenExpiresAt: tokens.accessTokenExpiresAt,
      sessionConfirmed: true,
    },
    refreshed: tokens,
  })
}

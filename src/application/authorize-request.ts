import { fail, ok, type Result } from '../domain/errors.js'
import { fromEpochSeconds } from '../domain/units.js'
import type { Deps, Identity, IssuedTokens } from './deps.js'
import { rotateOpened } from './refresh.js'
import { checkSession } from './session-check.js'

export interface Authorized {
  readonly identity: Identity
  /** Present when the access token was missing or expired and the pair was rotated. */
  readonly refreshed?: IssuedTokens
  /**
   * With `SESSION_CHECK=strict`, set when the rotation could not read the account, so whether it
   * is disabled is unknown: the caller hands over the rotated pair and answers 503, never a pass.
   */
  readonly accountUnread?: true
}

/**
 * The AuthorizeRequest rule: a valid access token proceeds with no store read; a missing or
 * expired one falls back to a rotation of the refresh token, whose server-side record alone
 * names the identity. A bad signature or bad claims are a 401 with nothing rotated. With
 * `SESSION_CHECK=strict` a valid token's session must also be live and its user enabled
 * (session-check.ts); a request that rotated needs no such check, since the rotation found the
 * session live and the refresh read the user.
 */
export async function authorizeRequest(
  deps: Pick<
    Deps,
    'users' | 'sessions' | 'accessTokens' | 'refreshTokens' | 'clock' | 'log' | 'policy' | 'confirmedSessions'
  >,
  input: { readonly accessToken: string | undefined; readonly refreshToken: string | undefined; readonly ip: string },
): Promise<Result<Authorized, 'unauthorized' | 'refresh_reused' | 'account_disabled'>> {
  let expired: { sub: string; sid: string } | undefined
  if (input.accessToken) {
    const verdict = await deps.accessTokens.verify(input.accessToken, deps.clock.now())
    if (verdict.valid) {
      const { sub, sid, exp, roles } = verdict.claims
      const identity: Identity = { userId: sub, sessionId: sid, roles, accessTokenExpiresAt: fromEpochSeconds(exp) }
      if (deps.policy.sessionCheck === 'off') return ok({ identity })
      // Strict: the store has the last word. A session that has ended makes its token count as
      // expired: the refresh cookie decides (its own session ended too: a 401 that touches no cookie).
      const check = await checkSession(deps, identity)
      if (check === 'disabled') return fail('account_disabled')
      if (check === 'remembered') return ok({ identity })
      // Only a fresh read confirms for the live-session routes (live-session.ts), never a memory.
      if (check === 'confirmed') return ok({ identity: { ...identity, sessionConfirmed: true } })
    } else if (verdict.reason === 'invalid') return fail('unauthorized')
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
  const { session, roles, accountRead, ...tokens } = rotated.value
  return ok({
    ...(!accountRead && deps.policy.sessionCheck === 'strict' && { accountUnread: true as const }),
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

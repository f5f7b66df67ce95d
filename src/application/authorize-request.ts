import { fail, ok, type Result } from '../domain/errors.js'
import type { Deps, Identity, IssuedTokens } from './deps.js'
import { refresh } from './refresh.js'

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
  deps: Pick<Deps, 'sessions' | 'accessTokens' | 'refreshTokens' | 'clock' | 'log' | 'policy'>,
  input: { readonly accessToken: string | undefined; readonly refreshToken: string | undefined; readonly ip: string },
): Promise<Result<Authorized, 'unauthorized' | 'refresh_reused'>> {
  let expiredSub: string | undefined
  if (input.accessToken) {
    const verdict = await deps.accessTokens.verify(input.accessToken, deps.clock.now())
    if (verdict.valid) {
      const { sub, sid, exp } = verdict.claims
      return ok({ identity: { userId: sub, sessionId: sid, accessTokenExpiresAt: exp * 1000 } })
    }
    if (verdict.reason === 'invalid') return fail('unauthorized')
    expiredSub = verdict.claims.sub
  }
  if (!input.refreshToken) return fail('unauthorized')
  if (expiredSub !== undefined) {
    // An expired token of one user beside the refresh cookie of another is a login of neither;
    // checked before rotating, so the refresh cookie's owner keeps a working token.
    const opened = await deps.refreshTokens.open(input.refreshToken)
    const owner = opened ? await deps.sessions.find(opened.sessionId, deps.clock.now()) : null
    if (!owner || owner.userId !== expiredSub) return fail('unauthorized')
  }
  const rotated = await refresh(deps, { refreshToken: input.refreshToken, ip: input.ip })
  if (!rotated.ok) return rotated
  const { session, ...tokens } = rotated.value
  return ok({
    identity: {
      userId: session.userId,
      sessionId: session.id,
      accessTokenExpiresAt: tokens.accessTokenExpiresAt,
      sessionConfirmed: true,
    },
    refreshed: tokens,
  })
}

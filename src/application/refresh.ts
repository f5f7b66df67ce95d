import { fail, ok, type Result } from '../domain/errors.js'
import type { Session } from '../domain/session.js'
import type { Deps, IssuedTokens } from './deps.js'
import { issueTokens } from './issue-tokens.js'
import { perIpRule } from './throttle.js'

export interface Refreshed extends IssuedTokens {
  readonly session: Session
}

/**
 * Rotates a refresh token. The MAC is checked before the store is asked anything, so a forged
 * token naming a real session revokes nothing. Racers presenting the previous token within the
 * grace window get the very token the winner got (it is derived, not stored).
 */
export async function refresh(
  deps: Pick<Deps, 'sessions' | 'accessTokens' | 'refreshTokens' | 'clock' | 'log' | 'policy'>,
  input: { readonly refreshToken: string | undefined; readonly ip: string },
): Promise<Result<Refreshed, 'unauthorized' | 'refresh_reused'>> {
  if (!input.refreshToken) return fail('unauthorized')
  const opened = await deps.refreshTokens.open(input.refreshToken)
  if (!opened) return fail('unauthorized')
  const now = deps.clock.now()
  const outcome = await deps.sessions.rotate(opened.sessionId, opened.generation, now, {
    graceMs: deps.policy.refreshReuseGrace * 1000,
    slidingMs: deps.policy.refreshTokenTtl * 1000,
  })
  switch (outcome.kind) {
    case 'missing':
      return fail('unauthorized')
    case 'reused':
      deps.log.event('refresh_reused', { userId: outcome.userId, sessionId: opened.sessionId, ip: input.ip })
      return fail('refresh_reused')
    case 'rotated':
    case 'grace':
      deps.log.event('refresh', {
        userId: outcome.session.userId,
        sessionId: outcome.session.id,
        grace: outcome.kind === 'grace',
        ip: input.ip,
      })
      return ok({ session: outcome.session, ...(await issueTokens(deps, outcome.session, now)) })
  }
}

/** `POST /refresh`: `refresh` behind the per-IP limit. */
export async function refreshEndpoint(
  deps: Pick<Deps, 'sessions' | 'limiter' | 'accessTokens' | 'refreshTokens' | 'clock' | 'log' | 'policy'>,
  input: { readonly refreshToken: string | undefined; readonly ip: string },
): Promise<Result<Refreshed, 'unauthorized' | 'refresh_reused' | 'rate_limited'>> {
  const gate = await deps.limiter.hit(`ip:refresh:${input.ip}`, perIpRule(deps.policy), deps.clock.now())
  if (!gate.allowed) return fail('rate_limited', { retryAfter: gate.retryAfter })
  return refresh(deps, input)
}

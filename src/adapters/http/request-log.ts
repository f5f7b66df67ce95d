import type { Context } from 'hono'
import { type Background, later } from '../../application/deps.js'
import type { SecurityLog } from '../../application/ports.js'

/**
 * The security log of one request: every event it writes carries the request's id (the answer's
 * `X-Request-Id`), so an answer and its events can be matched. The use cases stay unaware of it:
 * they log through whatever `deps.log` they are given.
 */
export function requestLog(log: SecurityLog, requestId: string): SecurityLog {
  return { event: (name, fields) => log.event(name, { ...fields, requestId }) }
}

/**
 * `deps` for one request: the same ports, with `log` bound to the request's id (set by
 * `securityHeaders`). Outside that middleware (no id) it is `deps` itself. Call it where a route
 * hands the request to a use case: `register(requestDeps(deps, c), input)`.
 */
export function requestDeps<D extends { readonly log: SecurityLog }>(deps: D, c: Context): D {
  const id: unknown = c.get('requestId')
  return typeof id === 'string' ? { ...deps, log: requestLog(deps.log, id) } : deps
}

/** The request's id for a field of an event the HTTP adapter writes itself; null outside `securityHeaders`. */
export const requestIdOf = (c: Context): string | null => {
  const id: unknown = c.get('requestId')
  return typeof id === 'string' ? id : null
}

/**
 * `requestDeps` for a route that may send mail after answering: on Workers the background work is
 * handed to `waitUntil`, so the isolate stays until it is done; elsewhere (no execution context)
 * the process keeps the promise, as `deps.background` does.
 */
export function mailingDeps<D extends { readonly log: SecurityLog; readonly background: Background }>(
  deps: D,
  c: Context,
): D {
  const scoped = requestDeps(deps, c)
  let ctx: { waitUntil(p: Promise<unknown>): void } | undefined
  try {
    ctx = c.executionCtx
  } catch {
    // Hono throws when the runtime gave no execution context (Node, app.request in tests).
  }
  if (!ctx) return scoped
  const waitUntil = ctx.waitUntil.bind(ctx)
  return { ...scoped, background: { run: (task) => waitUntil(later(task)) } }
}

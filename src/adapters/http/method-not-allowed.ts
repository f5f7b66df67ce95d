import type { Env, Hono } from 'hono'
import { problem } from './problem.js'

/**
 * The methods each path of an app answers, from the routes it has registered: `HEAD` after
 * `GET` (Hono answers HEAD with the GET route). Middleware (`ALL`, wildcard paths) is no resource,
 * and a path that already has an `ALL` route (a mounted app's own 405) is left to it.
 */
export function allowedMethods(routes: Hono['routes']): Map<string, string> {
  const methods = new Map<string, Set<string>>()
  const handledAll = new Set(routes.filter((r) => r.method === 'ALL').map((r) => r.path))
  for (const { method, path } of routes) {
    if (method === 'ALL' || path.includes('*') || handledAll.has(path)) continue
    const set = methods.get(path) ?? new Set<string>()
    set.add(method)
    if (method === 'GET') set.add('HEAD')
    methods.set(path, set)
  }
  return new Map([...methods].map(([path, set]) => [path, [...set].join(', ')]))
}

/**
 * Answers every other method on the app's registered paths with 405 and `Allow`. Call it after
 * the last route. `alsoOnPaths`: routes of an app mounted before this one (the pages' `GET /login`),
 * whose methods the `Allow` of a shared path lists too. It adds routes, not a middleware, so an answered request never runs it (Hono's
 * `hono/method-not-allowed` wraps every request and looks at each 404).
 */
export function answerOtherMethods<E extends Env>(app: Hono<E>, alsoOnPaths: Hono['routes'] = []): void {
  const own = new Set(app.routes.map((r) => r.path))
  for (const [path, allow] of allowedMethods([...alsoOnPaths, ...app.routes])) {
    if (!own.has(path)) continue
    app.all(path, (c) => {
      c.header('Allow', allow)
      return problem(c, 'method_not_allowed')
    })
  }
}

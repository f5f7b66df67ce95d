import type { Context, MiddlewareHandler } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Deps } from '../../../application/deps.js'
import type { ErrorCode } from '../../../domain/errors.js'
import type { HttpConfig } from '../config.js'
import type { CookieJar } from '../cookies.js'
import { problem, statusOf } from '../problem.js'
import type { AuthEnv, RequireAuth } from '../require-auth.js'
import { type Features, type Html, layout, sendPage } from './layout.js'

/** What the page routes are built from: the JSON routes' own pieces, and which features are on. */
export interface PageParts {
  readonly deps: Deps
  readonly config: HttpConfig
  readonly jar: CookieJar
  readonly requireAuth: RequireAuth
  readonly features: Features
}

/** The features this service's dependencies turn on (the JSON routes' `onlyWhen` rules). */
export const featuresOf = (deps: Deps): Features => ({
  mail: deps.mailer !== undefined,
  verification: deps.policy.emailVerification !== 'off' && deps.mailer !== undefined,
  passwordReset: deps.policy.passwordReset && deps.mailer !== undefined,
})

/** A page that exists only with its feature on: off, the 404 of any unknown path. */
export const onlyWhen =
  (on: boolean): MiddlewareHandler<AuthEnv> =>
  async (c, next) => {
    if (!on) return problem(c, 'not_found')
    await next()
  }

/** Renders a whole page; a failure's page carries the failure's status (a 401, a 409, a 429). */
export function show(
  c: Context,
  parts: PageParts,
  page: { title: string; content: Html; signedIn: boolean; failed?: ErrorCode | undefined },
): Response | Promise<Response> {
  const status: ContentfulStatusCode = page.failed ? statusOf(page.failed) : 200
  return sendPage(c, layout(page.title, page.content, { signedIn: page.signedIn, features: parts.features }), status)
}

/** After a form succeeds: see the next page (303, so a reload does not post again). */
export const seeOther = (c: Context, path: string): Response => c.redirect(path, 303)

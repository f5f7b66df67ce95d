import type { Context } from 'hono'
import { html } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** A rendered piece of a page: escaped HTML (hono/html escapes every interpolated string). */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>

/**
 * The pages' policy: our own stylesheet and script only, forms that post to us only, no framing,
 * no `<base>`. No inline script or style attribute appears anywhere, so nothing needs a nonce.
 */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'"

/** A field's problem, or the whole form's (`form`), as words to show the person. */
export type Errors = Readonly<Record<string, string>>

/** Which account features this service has on, for the navigation and the pages that need mail. */
export interface Features {
  /** `POST /email` and the verify link: a mailer exists. */
  readonly mail: boolean
  /** `EMAIL_VERIFICATION` is not off and a mailer exists. */
  readonly verification: boolean
  /** `PASSWORD_RESET=on` and a mailer exists. */
  readonly passwordReset: boolean
}

/** One labelled input; the error, if any, right after it, tied by `aria-describedby`. */
export function field(f: {
  readonly name: string
  readonly label: string
  readonly type?: 'text' | 'email' | 'password'
  readonly autocomplete: string
  readonly errors: Errors
  readonly value?: string | undefined
  readonly required?: boolean
}): Html {
  const id = `f-${f.name}`
  const error = f.errors[f.name]
  // A password is never sent back to the browser, even on a re-render.
  const value = f.type === 'password' ? undefined : f.value
  return html`<div class="field">
<label for="${id}">${f.label}</label>
<input id="${id}" name="${f.name}" type="${f.type ?? 'text'}" autocomplete="${f.autocomplete}"${value ? html` value="${value}"` : ''}${f.required === false ? '' : html` required`}${error ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>
${error ? html`<p class="error" id="${id}-error" role="alert">${error}</p>` : ''}
</div>`
}

/** The form-level problem (a lockout, an expired link), announced when the page loads. */
export const formAlert = (errors: Errors): Html | string =>
  errors.form ? html`<p class="alert" role="alert">${errors.form}</p>` : ''

/** A confirmation (saved, sent), announced politely. */
export const notice = (text: string | undefined): Html | string =>
  text ? html`<p class="notice" role="status">${text}</p>` : ''

/** A form posting to one of the `/ui/*` endpoints. `confirm` asks first when the script runs. */
export const form = (action: string, body: Html, confirm?: string): Html =>
  html`<form method="post" action="${action}"${confirm ? html` data-confirm="${confirm}"` : ''}>
${body}
</form>`

const signedInNav = (features: Features): Html => html`<nav aria-label="Account">
<ul>
<li><a href="/account">Profile</a></li>
<li><a href="/account/sessions">Sessions</a></li>
<li><a href="/account/password">Password</a></li>
${features.mail ? html`<li><a href="/account/email">Email address</a></li>` : ''}
<li><a href="/account/delete">Delete account</a></li>
</ul>
${form('/ui/logout', html`<button type="submit">Log out</button>`)}
</nav>`

const signedOutNav = html`<nav aria-label="Site">
<ul>
<li><a href="/login">Log in</a></li>
<li><a href="/register">Register</a></li>
</ul>
</nav>`

/** The whole document: one stylesheet, one deferred script, the navigation, the page's content. */
export function layout(title: string, content: Html, opts: { signedIn: boolean; features: Features }): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/ui/style.css">
<script src="/ui/app.js" defer></script>
</head>
<body>
<header><a class="home" href="/">Account</a>${opts.signedIn ? signedInNav(opts.features) : signedOutNav}</header>
<main>
<h1>${title}</h1>
${content}
</main>
</body>
</html>`
}

/**
 * A page as the answer: the pages' CSP instead of the API's, and no referrer (a reset link's
 * token is in the URL). Headers set on the context (a transparent refresh's cookies) are kept.
 */
export function sendPage(c: Context, page: Html, status: ContentfulStatusCode = 200): Response | Promise<Response> {
  return c.html(page, status, { 'content-security-policy': PAGE_CSP, 'referrer-policy': 'same-origin' })
}

import { html } from 'hono/html'
import type { PublicUser } from '../../../domain/user.js'
import { type Errors, type Features, field, form, formAlert, type Html, notice } from './layout.js'

/** What a redirect after a form says on the next page: a fixed set, so no text comes from the URL. */
export const NOTICES: Readonly<Record<string, string>> = {
  registered: 'Your account is ready. Log in.',
  'logged-out': 'You are logged out.',
  reset: 'Your password is changed. Log in with the new one.',
  verified: 'Your email address is confirmed.',
  deleted: 'Your account is deleted.',
  sent: 'If an account has this address, a link to reset its password is on its way.',
  saved: 'Saved.',
  revoked: 'The session is ended.',
  'email-sent': 'Open the link we sent to the new address to confirm it.',
  'confirmation-sent': 'Open the link we sent to confirm your address.',
  'password-changed': 'Your password is changed. Your other sessions are logged out.',
}

/** `?done=` as a notice, when it is one of ours. */
export const noticeOf = (done: string | undefined): string | undefined =>
  done !== undefined && Object.hasOwn(NOTICES, done) ? NOTICES[done] : undefined

/** `GET /` signed out: where to go. */
export const homeSignedOut = (features: Features, done?: string): Html => html`${notice(done)}
<p>Log in to manage your account, or create one.</p>
<ul>
<li><a href="/login">Log in</a></li>
<li><a href="/register">Register</a></li>
${features.passwordReset ? html`<li><a href="/forgot-password">Forgot your password?</a></li>` : ''}
</ul>`

/** `GET /` signed in: who you are. */
export const homeSignedIn = (user: PublicUser, done?: string): Html => html`${notice(done)}
<p>You are logged in as <strong>${user.email}</strong>${user.name ? html` (${user.name})` : ''}.</p>
<p><a href="/account">Your profile</a> · <a href="/account/sessions">Your sessions</a></p>`

/** `GET /register`. */
export const registerView = (
  errors: Errors,
  input: { email?: string; name?: string },
): Html => html`${formAlert(errors)}
${form(
  '/ui/register',
  html`${field({ name: 'email', label: 'Email', type: 'email', autocomplete: 'email', errors, value: input.email })}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', errors })}
${field({ name: 'name', label: 'Name', autocomplete: 'name', errors, value: input.name, required: false })}
<button type="submit">Register</button>`,
)}
<p>Already registered? <a href="/login">Log in</a></p>`

/** `GET /login`. */
export const loginView = (features: Features, errors: Errors, input: { email?: string }, done?: string): Html =>
  html`${notice(done)}${formAlert(errors)}
${form(
  '/ui/login',
  html`${field({ name: 'email', label: 'Email', type: 'email', autocomplete: 'username', errors, value: input.email })}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', errors })}
<button type="submit">Log in</button>`,
)}
<p>${features.passwordReset ? html`<a href="/forgot-password">Forgot your password?</a> · ` : ''}<a href="/register">Register</a></p>`

/** `GET /forgot-password`. */
export const forgotView = (errors: Errors, input: { email?: string }, done?: string): Html => html`${notice(done)}
${formAlert(errors)}
<p>We will mail you a link to choose a new password.</p>
${form(
  '/ui/forgot-password',
  html`${field({ name: 'email', label: 'Email', type: 'email', autocomplete: 'email', errors, value: input.email })}
<button type="submit">Send reset link</button>`,
)}`

/**
 * `GET /reset-password?token=`: the link's token rides in a hidden field (the only token a page
 * ever holds, and it came from the URL); nothing is consumed until the form is sent.
 */
export const resetView = (token: string, errors: Errors): Html => html`${formAlert(errors)}
${
  errors.form
    ? html`<p><a href="/forgot-password">Ask for a new link</a></p>`
    : form(
        '/ui/reset-password',
        html`<input type="hidden" name="token" value="${token}">
${field({ name: 'password', label: 'New password', type: 'password', autocomplete: 'new-password', errors })}
<button type="submit">Reset password</button>`,
      )
}`

/** `GET /verify-email?token=`: a button, since opening the link must consume nothing. */
export const verifyView = (token: string, errors: Errors): Html => html`${formAlert(errors)}
${
  errors.form
    ? ''
    : html`<p>Confirm that this address is yours.</p>
${form('/ui/verify-email', html`<input type="hidden" name="token" value="${token}"><button type="submit">Verify email</button>`)}`
}`

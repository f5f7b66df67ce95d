import { html } from 'hono/html'
import type { SessionView } from '../../../application/sessions.js'
import type { PublicUser } from '../../../domain/user.js'
import { isoTime } from '../views.js'
import { type Errors, field, form, formAlert, type Html, notice } from './layout.js'

/** An instant for people: `2026-12-04 02:27 UTC`, machine-readable in `datetime`. */
const when = (ms: number): Html => {
  const iso = isoTime(ms)
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`
}

/** `GET /account`: the profile, the name editable. */
export const profileView = (
  user: PublicUser,
  errors: Errors,
  input: { name?: string; canVerify: boolean },
  done?: string,
): Html =>
  html`${notice(done)}${formAlert(errors)}
<dl>
<dt>Email</dt><dd>${user.email} ${user.emailVerified ? '(confirmed)' : '(not confirmed yet)'}</dd>
<dt>Member since</dt><dd>${when(user.createdAt)}</dd>
</dl>
${
  input.canVerify && !user.emailVerified
    ? form('/ui/email/verify/request', html`<button type="submit">Send confirmation link</button>`)
    : ''
}
${form(
  '/ui/profile',
  html`${field({ name: 'name', label: 'Name', autocomplete: 'name', errors, value: input.name ?? user.name ?? '' })}
<button type="submit">Save</button>`,
)}`

const sessionItem = (s: SessionView): Html => html`<li>
<p><strong>${s.current ? 'This browser' : (s.userAgent ?? 'Unknown browser')}</strong></p>
<p>Signed in ${when(s.createdAt)}, last used ${when(s.lastUsedAt)}, ends ${when(s.expiresAt)}</p>
${form(
  '/ui/sessions/revoke',
  html`<input type="hidden" name="id" value="${s.id}"><button type="submit">${s.current ? 'Log out' : 'Revoke'}</button>`,
)}
</li>`

/** `GET /account/sessions`: each live session with a button that ends it, and one that ends them all. */
export const sessionsView = (sessions: readonly SessionView[], errors: Errors, done?: string): Html =>
  html`${notice(done)}${formAlert(errors)}
<ul class="sessions">${sessions.map(sessionItem)}</ul>
${form('/ui/logout-all', html`<button type="submit" class="danger">Log out everywhere</button>`, 'Log out of every session, this one included?')}`

/** `GET /account/password`. */
export const passwordView = (errors: Errors, done?: string): Html => html`${notice(done)}${formAlert(errors)}
${form(
  '/ui/password',
  html`${field({ name: 'currentPassword', label: 'Current password', type: 'password', autocomplete: 'current-password', errors })}
${field({ name: 'newPassword', label: 'New password', type: 'password', autocomplete: 'new-password', errors })}
<button type="submit">Change password</button>`,
)}
<p>Your other sessions are logged out; this one stays.</p>`

/** `GET /account/email`: the address changes once the link mailed to the new one is opened. */
export const emailView = (user: PublicUser, errors: Errors, input: { newEmail?: string }, done?: string): Html =>
  html`${notice(done)}${formAlert(errors)}
<p>Your address is <strong>${user.email}</strong>.</p>
${form(
  '/ui/email',
  html`${field({ name: 'newEmail', label: 'New email', type: 'email', autocomplete: 'email', errors, value: input.newEmail })}
${field({ name: 'password', label: 'Current password', type: 'password', autocomplete: 'current-password', errors })}
<button type="submit">Change email</button>`,
)}`

/** `GET /account/delete`: asks for the password; the script asks once more. */
export const deleteView = (errors: Errors): Html => html`${formAlert(errors)}
<p>This deletes your account, every session and every pending link. It cannot be undone.</p>
${form(
  '/ui/account/delete',
  html`${field({ name: 'password', label: 'Current password', type: 'password', autocomplete: 'current-password', errors })}
<button type="submit" class="danger">Delete account</button>`,
  'Delete your account for good?',
)}`

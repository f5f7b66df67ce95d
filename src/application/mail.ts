import type { Email } from '../domain/email.js'
import type { Millis } from '../domain/units.js'

/**
 * The mails the account lifecycle sends, one type per purpose. A message says who gets it and,
 * when it carries one, the token and how long the token works; the mail adapter turns it into
 * text and HTML and builds the link from `APP_URL` (the application never builds a URL, and
 * never sees the request's `Host`). No message carries the user's display name: it is
 * user-controlled text, and a mail that quoted it would let anyone put words into our mail.
 */

/** "Confirm your address": the link is a `POST /email/verify` token. */
export interface VerifyEmailMessage {
  readonly purpose: 'verify_email'
  readonly to: Email
  readonly token: string
  readonly validFor: Millis
}

/** "Reset your password": the link is a `POST /password/reset` token. */
export interface ResetPasswordMessage {
  readonly purpose: 'reset_password'
  readonly to: Email
  readonly token: string
  readonly validFor: Millis
}

/** To the new address of an address change: its link is a `POST /email/verify` token. */
export interface ConfirmNewEmailMessage {
  readonly purpose: 'confirm_new_email'
  readonly to: Email
  readonly token: string
  readonly validFor: Millis
}

/** To the old address of an address change: no link, only the news and the new address. */
export interface EmailChangeNoticeMessage {
  readonly purpose: 'email_change_notice'
  readonly to: Email
  readonly newEmail: Email
}

/** After a password change or reset: no link. */
export interface PasswordChangedMessage {
  readonly purpose: 'password_changed'
  readonly to: Email
}

export type MailMessage =
  | VerifyEmailMessage
  | ResetPasswordMessage
  | ConfirmNewEmailMessage
  | EmailChangeNoticeMessage
  | PasswordChangedMessage

export type MailPurpose = MailMessage['purpose']

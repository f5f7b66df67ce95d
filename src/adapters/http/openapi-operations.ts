import * as v from 'valibot'
import type { ProblemCode } from './problem.js'
import {
  ChangeEmailBody,
  ChangePasswordBody,
  DeleteAccountBody,
  ForgotBody,
  LoginBody,
  ProfileBody,
  RegisterBody,
  ResetBody,
  TokenBody,
} from './request-bodies.js'

// The answers' shapes, for the document only (the handlers build them in views.ts). The type
// check in test/types/client.typecheck.ts holds each to the route's typed answer, so they cannot drift.
const instant = v.pipe(v.string(), v.isoTimestamp(), v.description('ISO 8601, UTC'))

/** `user`: never a password, hash or token. */
export const UserSchema = v.pipe(
  v.object({
    id: v.string(),
    email: v.string(),
    name: v.nullable(v.string()),
    createdAt: instant,
    emailVerified: v.boolean(),
    roles: v.array(v.string()),
  }),
  v.metadata({ ref: 'User', description: 'An account: never a password, a hash or a token.' }),
)
/** One entry of `GET /sessions`. */
export const SessionSchema = v.pipe(
  v.object({
    id: v.string(),
    createdAt: instant,
    lastUsedAt: instant,
    expiresAt: instant,
    userAgent: v.nullable(v.string()),
    current: v.boolean(),
  }),
  v.metadata({ ref: 'Session', description: 'A live session; `current` marks the caller’s own.' }),
)
const Expiries = { accessTokenExpiresAt: instant, refreshTokenExpiresAt: instant }

/** Each route's success body, by operation id. */
export const SuccessBodies = {
  register: v.object({ user: UserSchema }),
  login: v.object({ user: UserSchema, ...Expiries }),
  refresh: v.object(Expiries),
  session: v.object({ userId: v.string(), sessionId: v.string(), accessTokenExpiresAt: instant }),
  getProfile: v.object({ user: UserSchema }),
  updateProfile: v.object({ user: UserSchema }),
  listSessions: v.object({ sessions: v.array(SessionSchema) }),
  accepted: v.object({}),
  verifyEmail: v.object({ user: UserSchema }),
  exportAccount: v.object({
    exportedAt: instant,
    user: UserSchema,
    sessions: v.array(
      v.object({
        id: v.string(),
        createdAt: instant,
        lastUsedAt: instant,
        expiresAt: instant,
        absoluteExpiresAt: instant,
        userAgent: v.nullable(v.string()),
      }),
    ),
    pendingMails: v.array(
      v.object({ purpose: v.string(), sentTo: v.string(), createdAt: instant, expiresAt: instant }),
    ),
  }),
  health: v.object({ status: v.literal('ok'), store: v.picklist(['memory', 'redis', 'durable-object', 'kv']) }),
  jwks: v.object({
    keys: v.array(
      v.object({
        kty: v.string(),
        crv: v.string(),
        x: v.string(),
        y: v.optional(v.string()),
        kid: v.string(),
        alg: v.string(),
        use: v.literal('sig'),
      }),
    ),
  }),
}

/** Who may call a route: "auth" is the AuthorizeRequest rule (an access token, or a refresh cookie to rotate). */
export type Access = 'none' | 'auth' | 'refresh cookie' | 'any credentials'

/** One route as the document describes it. */
export interface Operation {
  readonly id: string
  readonly tag: 'Sign-in' | 'Account' | 'Sessions' | 'Service' | 'Administration'
  readonly summary: string
  readonly description: string
  readonly access: Access
  /** The path's parameters, each with what it is. */
  readonly params?: Readonly<Record<string, string>>
  readonly body?: v.GenericSchema
  readonly ok: {
    readonly status: 200 | 201 | 202 | 204
    readonly description: string
    readonly body?: v.GenericSchema
    readonly media?: string
    readonly cookies?: 'set' | 'cleared'
  }
  readonly problems: readonly ProblemCode[]
}

// What every route behind "auth" can answer besides its own problems.
// `account_disabled`: a transparent refresh of a disabled account's session, or, with
// SESSION_CHECK=strict, a disabled user's still-valid access token.
const AUTH: readonly ProblemCode[] = ['unauthorized', 'refresh_reused', 'account_disabled', 'store_unavailable']
// What every state-changing route can answer before any work.
const WRITE: readonly ProblemCode[] = ['forbidden_origin', 'payload_too_large']
const JSON_BODY: readonly ProblemCode[] = [...WRITE, 'unsupported_media_type', 'invalid_request']

/** Every route, keyed by method and path as Hono registers them. */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  'POST /register': {
    id: 'register',
    tag: 'Sign-in',
    summary: 'Create an account',
    description: 'Sets no cookie: log in afterwards. The email is normalised (NFKC, trimmed, lower-cased).',
    access: 'none',
    body: RegisterBody,
    ok: { status: 201, description: 'The account', body: SuccessBodies.register },
    problems: [...JSON_BODY, 'email_taken', 'rate_limited', 'overloaded', 'store_unavailable'],
  },
  'POST /login': {
    id: 'login',
    tag: 'Sign-in',
    summary: 'Log in',
    description:
      'Starts a session and sets both cookies. An unknown email and a wrong password get the same 401; ' +
      'repeated failures lock the email for 15 minutes (429).',
    access: 'none',
    body: LoginBody,
    ok: { status: 200, description: 'Signed in', body: SuccessBodies.login, cookies: 'set' },
    problems: [
      ...JSON_BODY,
      'invalid_credentials',
      'account_disabled',
      'rate_limited',
      'overloaded',
      'store_unavailable',
    ],
  },
  'POST /refresh': {
    id: 'refresh',
    tag: 'Sign-in',
    summary: 'Rotate the token pair',
    description:
      'Takes no body. The previous refresh token still works for a few seconds (parallel tabs); an older one ' +
      'is reuse: the session is revoked, the cookies cleared, and the answer is 401 `refresh_reused`.',
    access: 'refresh cookie',
    ok: { status: 200, description: 'Both cookies rotated', body: SuccessBodies.refresh, cookies: 'set' },
    problems: [
      ...WRITE,
      'unsupported_media_type',
      'unauthorized',
      'refresh_reused',
      'account_disabled',
      'rate_limited',
      'store_unavailable',
    ],
  },
  'POST /logout': {
    id: 'logout',
    tag: 'Sign-in',
    summary: 'Log out',
    description: 'Revokes every session the request names with valid credentials. Idempotent; takes no body.',
    access: 'any credentials',
    ok: { status: 204, description: 'Logged out; both cookies cleared', cookies: 'cleared' },
    problems: [...WRITE, 'unsupported_media_type', 'store_unavailable'],
  },
  'POST /logout-all': {
    id: 'logoutAll',
    tag: 'Sessions',
    summary: 'Log out everywhere',
    description: 'Revokes every session of the user; the caller’s session must be live. Takes no body.',
    access: 'auth',
    ok: { status: 204, description: 'Every session revoked; both cookies cleared', cookies: 'cleared' },
    problems: [...WRITE, 'unsupported_media_type', ...AUTH],
  },
  'GET /session': {
    id: 'session',
    tag: 'Sessions',
    summary: 'Who is signed in',
    description: 'From the access token alone: no store read unless a refresh is needed.',
    access: 'auth',
    ok: { status: 200, description: 'The caller’s identity', body: SuccessBodies.session },
    problems: AUTH,
  },
  'GET /profile': {
    id: 'getProfile',
    tag: 'Account',
    summary: 'Read the profile',
    description: 'The signed-in user’s account.',
    access: 'auth',
    ok: { status: 200, description: 'The account', body: SuccessBodies.getProfile },
    problems: AUTH,
  },
  'POST /profile': {
    id: 'updateProfile',
    tag: 'Account',
    summary: 'Change the display name',
    description: 'The caller’s session must be live. Names are 1 to 100 printable characters after NFKC.',
    access: 'auth',
    body: ProfileBody,
    ok: { status: 200, description: 'The updated account', body: SuccessBodies.updateProfile },
    problems: [...JSON_BODY, ...AUTH],
  },
  'GET /sessions': {
    id: 'listSessions',
    tag: 'Sessions',
    summary: 'List the live sessions',
    description: 'Newest first; the caller’s session must be live.',
    access: 'auth',
    ok: { status: 200, description: 'The sessions', body: SuccessBodies.listSessions },
    problems: AUTH,
  },
  'DELETE /sessions/:id': {
    id: 'revokeSession',
    tag: 'Sessions',
    summary: 'Revoke a session',
    description:
      'Revoking the caller’s own session also clears its cookies. 404 alike for an unknown id, one already ' +
      'revoked and one of another user.',
    access: 'auth',
    params: { id: 'A session id, as `GET /sessions` lists them' },
    ok: { status: 204, description: 'Revoked' },
    problems: [...WRITE, ...AUTH, 'not_found'],
  },
  'POST /email/verify/request': {
    id: 'requestEmailVerification',
    tag: 'Account',
    summary: 'Mail a new verification link',
    description:
      'Supersedes any older link; nothing is sent when the address is verified already. 404 with ' +
      '`EMAIL_VERIFICATION=off`. Takes no body.',
    access: 'auth',
    ok: { status: 202, description: 'Sent (or nothing to send)', body: SuccessBodies.accepted },
    problems: [...WRITE, 'unsupported_media_type', ...AUTH, 'rate_limited', 'mail_unavailable', 'not_found'],
  },
  'POST /email/verify': {
    id: 'verifyEmail',
    tag: 'Account',
    summary: 'Use a verification or address-change link',
    description:
      'The token from `APP_URL/verify-email?token=…`. Opening the link spends nothing; this POST does. ' +
      'An address-change token moves the account to the new address now (409 when it was taken meanwhile).',
    access: 'none',
    body: TokenBody,
    ok: { status: 200, description: 'The account, verified', body: SuccessBodies.verifyEmail },
    problems: [...JSON_BODY, 'invalid_token', 'email_taken', 'rate_limited', 'store_unavailable', 'not_found'],
  },
  'POST /password/forgot': {
    id: 'forgotPassword',
    tag: 'Account',
    summary: 'Mail a password reset link',
    description:
      'The same 202 whether or not the address has an account. At most 5 mails per address per hour. ' +
      '404 with `PASSWORD_RESET=off`.',
    access: 'none',
    body: ForgotBody,
    ok: { status: 202, description: 'Accepted', body: SuccessBodies.accepted },
    problems: [...JSON_BODY, 'rate_limited', 'store_unavailable', 'not_found'],
  },
  'POST /password/reset': {
    id: 'resetPassword',
    tag: 'Account',
    summary: 'Set a new password with a reset link',
    description:
      'The token from `APP_URL/reset-password?token=…`. Every session of the user is revoked and no cookie ' +
      'is set: log in with the new password. A password the policy refuses spends nothing.',
    access: 'none',
    body: ResetBody,
    ok: { status: 204, description: 'Password replaced' },
    problems: [...JSON_BODY, 'invalid_token', 'rate_limited', 'overloaded', 'store_unavailable', 'not_found'],
  },
  'POST /password': {
    id: 'changePassword',
    tag: 'Account',
    summary: 'Change the password',
    description:
      'Every other session is revoked; the caller’s keeps working. A wrong current password counts toward ' +
      'the login lockout.',
    access: 'auth',
    body: ChangePasswordBody,
    ok: { status: 204, description: 'Password replaced' },
    problems: [...JSON_BODY, ...AUTH, 'invalid_credentials', 'rate_limited', 'overloaded'],
  },
  'POST /email': {
    id: 'changeEmail',
    tag: 'Account',
    summary: 'Change the address',
    description:
      'Mails a confirmation link to the new address and a notice to the old one; the address changes only ' +
      'when the link is used.',
    access: 'auth',
    body: ChangeEmailBody,
    ok: { status: 202, description: 'Mails sent', body: SuccessBodies.accepted },
    problems: [
      ...JSON_BODY,
      ...AUTH,
      'invalid_credentials',
      'email_taken',
      'rate_limited',
      'overloaded',
      'mail_unavailable',
      'not_found',
    ],
  },
  'DELETE /account': {
    id: 'deleteAccount',
    tag: 'Account',
    summary: 'Delete the account',
    description:
      'The account, every session and every pending link are deleted and the cookies cleared; the address ' +
      'can register again.',
    access: 'auth',
    body: DeleteAccountBody,
    ok: { status: 204, description: 'Deleted; both cookies cleared', cookies: 'cleared' },
    problems: [...JSON_BODY, ...AUTH, 'invalid_credentials', 'rate_limited', 'overloaded'],
  },
  'GET /account/export': {
    id: 'exportAccount',
    tag: 'Account',
    summary: 'Export the account',
    description:
      'Everything stored about the caller (profile, sessions, pending mails), never a hash or a token; ' +
      'served as an attachment.',
    access: 'auth',
    ok: { status: 200, description: 'The export', body: SuccessBodies.exportAccount },
    problems: AUTH,
  },
  'GET /health': {
    id: 'health',
    tag: 'Service',
    summary: 'Health',
    description: 'Needs no credentials, reads no cookie and runs no key derivation.',
    access: 'none',
    ok: { status: 200, description: 'The store answers', body: SuccessBodies.health },
    problems: ['store_unavailable'],
  },
  'GET /.well-known/jwks.json': {
    id: 'jwks',
    tag: 'Service',
    summary: 'The public keys of access tokens',
    description:
      'Every public key that may have signed a live access token (`kid`, `alg`, `use: "sig"`), the signing key ' +
      'first; cacheable for 5 minutes. 404 with `ACCESS_TOKEN_ALG=HS256`, whose keys are secret.',
    access: 'none',
    ok: { status: 200, description: 'A JSON Web Key Set', body: SuccessBodies.jwks },
    problems: ['not_found'],
  },
  'GET /openapi.json': {
    id: 'openApiDocument',
    tag: 'Service',
    summary: 'This document',
    description: 'OpenAPI 3.1, generated from the schemas that validate the requests.',
    access: 'none',
    ok: { status: 200, description: 'The OpenAPI document', media: 'application/json' },
    problems: [],
  },
  'GET /docs': {
    id: 'docs',
    tag: 'Service',
    summary: 'Reference page',
    description: 'This document as one HTML page, with no script and nothing fetched from elsewhere.',
    access: 'none',
    ok: { status: 200, description: 'The reference page', media: 'text/html' },
    problems: [],
  },
}

import type { SecurityEventName, SecurityLog } from '../application/ports.js'

/** `LOG_LEVEL`: lines of this level and above are written. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const satisfies readonly LogLevel[]
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 }

/** What a line may carry besides its message: ids, counts, names; never a token, a password or a secret. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>

/** One answered request, as the access log writes it. */
export interface AccessEntry {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly durationMs: number
  readonly requestId: string
}

/** Where a line goes: one JSON text per call, with its level. */
export type LogSink = (line: string, level: LogLevel) => void

/**
 * The service's log: the `SecurityLog` port, operational lines and the access log, each one JSON
 * line that starts with `time` (ISO 8601) and `level`.
 */
export interface Log extends SecurityLog {
  readonly level: LogLevel
  /** Whether lines of `level` are written (the access log is `info`). */
  enabled(level: LogLevel): boolean
  /** `{time, level, msg, ...fields}`. */
  line(level: LogLevel, msg: string, fields?: LogFields): void
  /** `{time, level: "info", type: "access", method, path, status, durationMs, requestId}`. */
  access(entry: AccessEntry): void
}

/** Routine events are `info`; those that may be an attack `warn`; an outage `error`. */
const EVENT_LEVEL: Record<SecurityEventName, LogLevel> = {
  register: 'info',
  login_success: 'info',
  login_failure: 'warn',
  login_locked: 'warn',
  refresh: 'info',
  refresh_reused: 'warn',
  logout: 'info',
  logout_all: 'info',
  session_revoked: 'info',
  csrf_rejected: 'warn',
  rate_limited: 'warn',
  store_unavailable: 'error',
  mail_sent: 'info',
  mail_failed: 'error',
  email_verified: 'info',
  email_changed: 'info',
  password_reset_requested: 'info',
  password_reset: 'info',
  password_changed: 'info',
  account_deleted: 'info',
  account_exported: 'info',
  refresh_refused: 'warn',
  // Privileged changes stay in the log at LOG_LEVEL=warn: a stolen admin session shows there.
  admin_granted: 'warn',
  admin_user_viewed: 'info',
  admin_roles_set: 'warn',
  admin_user_disabled: 'warn',
  admin_user_enabled: 'warn',
  admin_sessions_revoked: 'warn',
}

/** The console, by level: `console.log` for debug and info (standard output), warn and error to their own. */
export const consoleSink: LogSink = (line, level) => {
  if (level === 'error') console.error(line)
  else if (level === 'warn') console.warn(line)
  else console.log(line)
}

/** A log that writes JSON lines at `level` (default `info`) and above to `sink` (default the console). */
export function createLog(opts: { readonly level?: LogLevel; readonly sink?: LogSink } = {}): Log {
  const level = opts.level ?? 'info'
  const sink = opts.sink ?? consoleSink
  const min = RANK[level]
  const enabled = (l: LogLevel): boolean => RANK[l] >= min
  return {
    level,
    enabled,
    line(l, msg, fields) {
      if (enabled(l)) sink(JSON.stringify({ time: new Date().toISOString(), level: l, msg, ...fields }), l)
    },
    event(name, fields) {
      const l = EVENT_LEVEL[name]
      if (enabled(l)) {
        sink(JSON.stringify({ time: new Date().toISOString(), level: l, type: 'security', event: name, ...fields }), l)
      }
    },
    access(entry) {
      if (min <= RANK.info)
        sink(JSON.stringify({ time: new Date().toISOString(), level: 'info', type: 'access', ...entry }), 'info')
    },
  }
}

/** Security events (and the rest) as JSON lines at `info` and above, through `write` when given. */
export const jsonLog = (write?: (line: string) => void): Log => createLog(write ? { sink: (line) => write(line) } : {})

/** Discards everything: for benchmarks. */
export const silentLog: Log = { level: 'error', enabled: () => false, line() {}, event() {}, access() {} }

/** Whether `log` is a whole `Log` rather than a bare `SecurityLog` (a test's, an embedder's). */
export const isLog = (log: SecurityLog): log is Log =>
  typeof (log as Partial<Log>).line === 'function' && typeof (log as Partial<Log>).access === 'function'

const fallback = createLog()

/** The `Log` for operational lines next to `log`: itself when it is one, else the console at `info`. */
export const logFor = (log: SecurityLog | undefined): Log => (log && isLog(log) ? log : fallback)

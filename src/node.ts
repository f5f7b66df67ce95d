/**
 * Composition root for Node: reads process.env, builds the adapters, serves on PORT, and shuts
 * down gracefully on SIGTERM and SIGINT. `npm start` runs its compiled form, `dist/node.js`.
 */

import { pathToFileURL } from 'node:url'
import { type ServerType, serve } from '@hono/node-server'
import {
  type MailRuntime,
  type MailSettings,
  mailerFrom,
  parseMailSettings,
  refuseAdminEmailsUnverified,
} from './adapters/config/mail-settings.js'
import { parseSettings, type Settings, SettingsError } from './adapters/config/settings.js'
import { forwardedFor } from './adapters/http/config.js'
import { nodeSocketIp } from './adapters/http/node-client-ip.js'
import { createLog, type Log, type LogSink } from './adapters/log.js'
import { stdioSink } from './adapters/stdio-sink.js'
import type { Mailer } from './application/ports.js'
import { storesFor } from './node-stores.js'
import { buildService, checkAccessKeys, keptBackground } from './service.js'

/**
 * SMTP through nodemailer, loaded at the first mail rather than at the start: it measured about
 * 60 ms of a production start, and most mails go after an answer anyway.
 */
const lazySmtp: NonNullable<MailRuntime['smtp']> = (server, options) => {
  let loaded: Promise<Mailer> | undefined
  const load = () =>
    import('./adapters/mail/smtp-node.js').then(({ createNodeSmtpMailer }) => createNodeSmtpMailer(server, options))
  return {
    async send(message) {
      loaded ??= load().catch((err: unknown) => {
        loaded = undefined
        throw err
      })
      return (await loaded).send(message)
    },
  }
}

/**
 * The mail settings and the mailer they ask for. Without `APP_URL`, development links point at
 * this service (`PUBLIC_ORIGIN`, else localhost on `PORT`); in production, with `UI=on`, at
 * `PUBLIC_ORIGIN` when it is set.
 */
function mailFor(env: Readonly<Record<string, string | undefined>>, settings: Settings, log: Log) {
  const serviceOrigin = settings.publicOrigin ?? `http://localhost:${settings.port}`
  const mail: MailSettings = parseMailSettings(env, {
    serviceOrigin,
    ui: settings.ui,
    publicOrigin: settings.publicOrigin,
  })
  refuseAdminEmailsUnverified(settings.adminEmails, mail.emailVerification, mail.passwordReset)
  return { settings: mail, mailer: mailerFrom(mail, { smtp: lazySmtp, log }) }
}

/** How long a stop waits for mails sent after an answer (the process exits at 10 s regardless). */
const SHUTDOWN_MAIL_WAIT_MS = 5000

/** Listens, or rejects with the server's error (a port in use, an address that is not ours). */
function listen(fetch: Parameters<typeof serve>[0]['fetch'], port: number, hostname: string): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => {
      server.off('error', reject)
      resolve(server)
    })
    server.once('error', reject)
  })
}

/** Builds and starts the server; resolves once it listens. Log lines go to `sink` (default: the console). */
export async function start(env: Readonly<Record<string, string | undefined>>, opts: { readonly sink?: LogSink } = {}) {
  const settings = parseSettings(env)
  await checkAccessKeys(settings)
  const log = createLog({ level: settings.logLevel, ...(opts.sink && { sink: opts.sink }) })
  // Before the stores: a mail setting that refuses the start must not leave a Redis client open.
  const mail = mailFor(env, settings, log)
  // A Redis that is down at start does not stop it: requests get 503 until Redis answers.
  const { stores, ready, close } = await storesFor(settings, log)
  if (!ready) log.line('warn', 'redis not reachable yet; answering 503 until it is')
  // Mails still on their way at a stop are waited for, this long at most, before the stores close.
  const background = keptBackground()
  const app = buildService({
    background,
    settings,
    stores,
    mail,
    clientIp: settings.trustProxy ? forwardedFor(nodeSocketIp) : nodeSocketIp,
    log,
  })
  let server: ServerType
  try {
    server = await listen(app.fetch, settings.port, env.HOST ?? '0.0.0.0')
  } catch (err) {
    await close()
    throw err
  }
  const stop = async (): Promise<void> => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await background.settled(SHUTDOWN_MAIL_WAIT_MS)
    await close()
  }
  return { server, settings, store: stores.health.kind, log, stop }
}

/**
 * Why a start failed, in one line that names the cause: the variable for a bad setting, the port
 * or address for a listen error. Never a stack, and never a setting's value.
 */
export function startFailure(err: unknown, env: Readonly<Record<string, string | undefined>>): string {
  if (err instanceof SettingsError) {
    // `invalid configuration:` then one variable per line: one line, the variables `;`-separated.
    const [head, ...problems] = err.message.split('\n').map((l) => l.trim())
    return problems.length > 0 ? `${head} ${problems.join('; ')}` : (head ?? 'invalid configuration')
  }
  const { code, message, name } = (err ?? {}) as { code?: unknown; message?: unknown; name?: unknown }
  const port = Number(env.PORT) || 3000
  const host = env.HOST ?? '0.0.0.0'
  switch (code) {
    case 'EADDRINUSE':
      return `port ${port} is already in use on ${host} (EADDRINUSE): stop the other server or set PORT`
    case 'EACCES':
      return `no permission to listen on port ${port} (EACCES): use a port above 1023 or set PORT`
    case 'EADDRNOTAVAIL':
      return `HOST ${host} is not an address of this machine (EADDRNOTAVAIL)`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST ${host} does not resolve (${code})`
    default: {
      const text = String(message ?? err)
        .split('\n')[0]
        ?.slice(0, 300)
      return `${typeof code === 'string' ? `${code}: ` : ''}${String(name ?? 'Error')}: ${text}`
    }
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href

if (isMain) {
  const sink = stdioSink()
  // Until the settings are read: a start failure is an error, which every level writes.
  let log: Log = createLog({ sink })
  process.on('unhandledRejection', (reason) => {
    log.line('error', 'unhandled rejection', { error: String((reason as Error)?.name) })
  })
  try {
    const started = await start(process.env, { sink })
    const { server, settings, store, stop } = started
    log = started.log
    const address = server.address()
    const port = typeof address === 'object' && address ? address.port : settings.port
    // Since the process began (performance.timeOrigin), so a slow start shows in the log.
    const startMs = Math.round(performance.now())
    log.line('info', 'listening', { port, store, pid: process.pid, startMs })
    let stopping = false
    const shutdown = (signal: string) => {
      if (stopping) return
      stopping = true
      log.line('info', 'shutting down', { signal })
      // Idle keep-alive sockets would hold close() open; a hard deadline bounds the wait.
      if ('closeIdleConnections' in server) server.closeIdleConnections()
      setTimeout(() => process.exit(1), 10_000).unref()
      stop().then(
        () => {
          log.line('info', 'stopped', { signal })
          process.exit(0)
        },
        () => process.exit(1),
      )
    }
    process.on('SIGTERM', () => shutdown('SIGTERM'))
    process.on('SIGINT', () => shutdown('SIGINT'))
  } catch (err) {
    log.line('error', 'failed to start', { cause: startFailure(err, process.env) })
    process.exit(1)
  }
}

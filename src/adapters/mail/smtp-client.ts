import { millis } from '../../domain/units.js'
import type { RenderedMail } from './messages.js'
import { dotStuffed, envelopeAddress, toMime } from './mime.js'
import {
  MailDeliveryError,
  type MailFailureReason,
  mailUnavailable,
  mustEncryptBeforeAuth,
  type SmtpServer,
  type SmtpTimeouts,
  within,
} from './transport.js'

/**
 * A small SMTP client over a Web-streams socket (`cloudflare:sockets` on Workers: see
 * smtp-worker.ts), written because worker-mailer 1.2.1 spins forever on a socket the server
 * closed, which starves every timer in the isolate. Here every reply has a deadline, the end of
 * the stream is an error, and a failure is `mail_unavailable` whose cause never holds a
 * credential (the AUTH lines are never part of a message).
 */

/** The part of a `cloudflare:sockets` Socket the client uses. */
export interface SocketLike {
  readonly readable: ReadableStream<Uint8Array>
  readonly writable: WritableStream<Uint8Array>
  readonly opened: Promise<unknown>
  close(): Promise<void>
  startTls(): SocketLike
}

/** `connect` from `cloudflare:sockets`, narrowed. */
export type Connect = (
  address: { hostname: string; port: number },
  options: { secureTransport: 'on' | 'starttls'; allowHalfOpen: false },
) => SocketLike

interface Reply {
  readonly code: number
  readonly lines: readonly string[]
}

const MAX_REPLY = 64 * 1024
const fail = (reason: MailFailureReason, message: string) => new MailDeliveryError(reason, message)
const brief = (r: Reply) => `${r.code} ${(r.lines.at(-1) ?? '').slice(4, 200)}`

/** Reads SMTP replies (`250-…` lines up to `250 …`) and writes command lines on one socket. */
function conversation(socket: SocketLike, timeouts: SmtpTimeouts) {
  const reader = socket.readable.getReader()
  const writer = socket.writable.getWriter()
  const decoder = new TextDecoder()
  const encoder = new TextEncoder()
  let buffered = ''

  async function nextReply(): Promise<Reply> {
    const lines: string[] = []
    for (;;) {
      const end = buffered.indexOf('\r\n')
      if (end >= 0) {
        const line = buffered.slice(0, end)
        buffered = buffered.slice(end + 2)
        if (!/^\d{3}([ -]|$)/.test(line)) throw fail('protocol', 'the server sent a line that is no SMTP reply')
        lines.push(line)
        if (line[3] !== '-') return { code: Number(line.slice(0, 3)), lines }
        continue
      }
      if (buffered.length > MAX_REPLY) throw fail('protocol', 'the server sent an over-long reply')
      const { value, done } = await reader.read()
      // The end of the stream is an answer too: a loop that read on would never yield to a timer.
      if (done) throw fail('closed', 'the server closed the connection')
      buffered += decoder.decode(value, { stream: true })
    }
  }

  return {
    /** The next reply within `ms` (the socket timeout by default). */
    reply: (ms = timeouts.socket) =>
      within(nextReply(), ms, () => fail('timeout', `no reply from the server within ${ms} ms`)),
    send: (line: string) =>
      within(writer.write(encoder.encode(`${line}\r\n`)), timeouts.socket, () => fail('timeout', 'write timed out')),
    /** Lets go of the streams, for STARTTLS. */
    release() {
      reader.releaseLock()
      writer.releaseLock()
    },
  }
}

type Conversation = ReturnType<typeof conversation>

/** Expects `code` (or one of `codes`) from the next reply; anything else fails with `reason`. */
async function expectReply(io: Conversation, codes: readonly number[], reason: MailFailureReason, step: string) {
  const r = await io.reply()
  if (!codes.includes(r.code)) throw fail(reason, `${step}: ${brief(r)}`)
  return r
}

/** EHLO (HELO when refused); the extensions the server announced, upper-cased. */
async function hello(io: Conversation, name: string): Promise<Set<string>> {
  await io.send(`EHLO ${name}`)
  const r = await io.reply()
  if (r.code === 250) return new Set(r.lines.slice(1).map((l) => l.slice(4).toUpperCase()))
  await io.send(`HELO ${name}`)
  await expectReply(io, [250], 'protocol', 'HELO')
  return new Set()
}

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)))

async function authenticate(io: Conversation, ext: Set<string>, user: string, pass: string): Promise<void> {
  const methods =
    [...ext]
      .find((e) => e.startsWith('AUTH ') || e.startsWith('AUTH='))
      ?.slice(5)
      .split(/\s+/) ?? []
  if (methods.includes('PLAIN')) {
    await io.send(`AUTH PLAIN ${b64(`\u0000${user}\u0000${pass}`)}`)
  } else if (methods.includes('LOGIN')) {
    await io.send('AUTH LOGIN')
    await expectReply(io, [334], 'auth', 'AUTH LOGIN')
    await io.send(b64(user))
    await expectReply(io, [334], 'auth', 'AUTH LOGIN')
    await io.send(b64(pass))
  } else {
    throw fail('auth', 'the server offers neither AUTH PLAIN nor AUTH LOGIN')
  }
  await expectReply(io, [235], 'auth', 'AUTH')
}

/** One mail over one connection: greeting, EHLO, STARTTLS when offered, AUTH, the envelope, DATA, QUIT. */
export async function deliver(
  connect: Connect,
  server: SmtpServer,
  timeouts: SmtpTimeouts,
  mail: RenderedMail,
): Promise<void> {
  let socket: SocketLike | undefined
  try {
    const from = envelopeAddress(mail.from.address)
    const to = envelopeAddress(mail.to)
    const data = `${dotStuffed(toMime(mail))}.`
    socket = connect(
      { hostname: server.host, port: server.port },
      { secureTransport: server.secure ? 'on' : 'starttls', allowHalfOpen: false },
    )
    await within(
      socket.opened.catch((e: unknown) => Promise.reject(fail('connect', `cannot connect: ${String(e)}`))),
      timeouts.connect,
      () => fail('timeout', `no connection within ${timeouts.connect} ms`),
    )
    let io = conversation(socket, timeouts)
    const greeting = await io.reply(timeouts.greeting)
    if (greeting.code !== 220) throw fail('protocol', `greeting: ${brief(greeting)}`)
    const name = from.split('@')[1] ?? 'localhost'
    let ext = await hello(io, name)
    if (mustEncryptBeforeAuth(server) && !ext.has('STARTTLS')) {
      throw fail('tls', 'the server offers no STARTTLS, and credentials are never sent unencrypted')
    }
    if (!server.secure && ext.has('STARTTLS')) {
      await io.send('STARTTLS')
      const r = await io.reply(timeouts.greeting)
      if (r.code !== 220) throw fail('tls', `STARTTLS: ${brief(r)}`)
      io.release()
      socket = socket.startTls()
      io = conversation(socket, timeouts)
      // A handshake that fails (a certificate the runtime does not trust) shows in the first read.
      ext = await hello(io, name).catch((e: unknown) => {
        throw e instanceof MailDeliveryError ? e : fail('tls', `TLS after STARTTLS failed: ${String(e)}`)
      })
    }
    if (server.credentials) await authenticate(io, ext, server.credentials.user, server.credentials.pass)
    const utf8 = /[^\x00-\x7f]/.test(from + to) && ext.has('SMTPUTF8') ? ' SMTPUTF8' : ''
    await io.send(`MAIL FROM:<${from}>${utf8}`)
    await expectReply(io, [250], 'rejected', 'MAIL FROM')
    await io.send(`RCPT TO:<${to}>`)
    await expectReply(io, [250, 251], 'rejected', 'RCPT TO')
    await io.send('DATA')
    await expectReply(io, [354], 'rejected', 'DATA')
    await io.send(data)
    await expectReply(io, [250], 'rejected', 'message')
    // The mail is accepted: a QUIT that goes unanswered changes nothing.
    await io
      .send('QUIT')
      .then(() => io.reply(millis(Math.min(timeouts.socket, 1000))))
      .catch(() => undefined)
  } catch (err) {
    const reason = err instanceof MailDeliveryError ? err.reason : 'protocol'
    throw mailUnavailable(reason, err instanceof Error ? err.message : String(err), server.credentials)
  } finally {
    socket?.close().catch(() => undefined)
  }
}

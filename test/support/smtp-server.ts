import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ParsedMail, simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

/**
 * A real SMTP server (smtp-server, from the nodemailer project) on a free loopback port, keeping
 * every mail it accepts parsed by mailparser. Node only: the workerd suite reaches one through
 * test/support/mail-global-setup.ts.
 */

/** One accepted mail: the envelope as the client sent it, the parsed message, how it arrived. */
export interface ReceivedMail {
  readonly envelope: { readonly from: string; readonly to: readonly string[] }
  readonly parsed: ParsedMail
  readonly raw: string
  /** The user the client authenticated as, if it did. */
  readonly user: string | undefined
  /** Whether the session ran over TLS (implicit or after STARTTLS). */
  readonly secure: boolean
}

export interface TestSmtpServer {
  readonly port: number
  readonly received: ReceivedMail[]
  /** Every AUTH attempt: the method and whether it succeeded (never the password). */
  readonly logins: { method: string; user: string; ok: boolean }[]
  /** The first mail to `to` (already received, or the next one), within `ms`. */
  /** With `subject`, the first such mail with exactly that subject. */
  mailTo(to: string, ms?: number, subject?: string): Promise<ReceivedMail>
  stop(): Promise<void>
}

export interface SmtpServerOptions {
  /** Require AUTH with these credentials (over plain TCP: the test allows insecure AUTH). */
  readonly auth?: { readonly user: string; readonly pass: string }
  /** `starttls`: offer STARTTLS; `implicit`: TLS from the first byte (smtps). Needs `cert`. */
  readonly tls?: 'starttls' | 'implicit'
  readonly cert?: TestCertificate
  /** How long to wait before accepting each mail's DATA (a slow relay). */
  readonly acceptDelayMs?: number
  /** The address to listen on (default 127.0.0.1); 127.0.0.2 is local but not one the service trusts as loopback. */
  readonly host?: string
}

/** A self-signed certificate for `localhost` and 127.0.0.1, made with openssl for one run. */
export interface TestCertificate {
  readonly key: string
  readonly cert: string
}

export function makeTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'smtp-cert-'))
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')]
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2']
        .concat(['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'])
        .concat(['-keyout', key, '-out', cert]),
      { stdio: 'ignore' },
    )
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = []
  const logins: TestSmtpServer['logins'] = []
  const waiting = new Set<() => void>()
  const server = new SMTPServer({
    logger: false,
    secure: options.tls === 'implicit',
    hideSTARTTLS: options.tls !== 'starttls',
    ...(options.cert && { key: options.cert.key, cert: options.cert.cert }),
    authOptional: options.auth === undefined,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    disabledCommands: options.auth === undefined ? ['AUTH'] : [],
    onAuth(auth, _session, done) {
      const ok = auth.username === options.auth?.user && auth.password === options.auth?.pass
      logins.push({ method: auth.method, user: auth.username ?? '', ok })
      if (ok) done(null, { user: auth.username })
      else done(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }))
    },
    onData(stream, session, done) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        simpleParser(raw).then((parsed) => {
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : ''
          const to = session.envelope.rcptTo.map((r) => r.address)
          const user = typeof session.user === 'string' ? session.user : undefined
          received.push({ envelope: { from, to }, parsed, raw, user, secure: session.secure })
          for (const wake of waiting) wake()
          setTimeout(() => done(), options.acceptDelayMs ?? 0)
        }, done)
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, options.host ?? '127.0.0.1', () => resolve())
  })
  const address = server.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const find = (to: string, subject?: string) =>
    received.find((m) => m.envelope.to.includes(to) && (subject === undefined || m.parsed.subject === subject))
  return {
    port,
    received,
    logins,
    mailTo: (to, ms = 5000, subject) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const mail = find(to, subject)
          if (!mail) return
          clearTimeout(timer)
          waiting.delete(check)
          resolve(mail)
        }
        const timer = setTimeout(() => {
          waiting.delete(check)
          reject(new Error(`no mail to ${to} within ${ms} ms`))
        }, ms)
        waiting.add(check)
        check()
      }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

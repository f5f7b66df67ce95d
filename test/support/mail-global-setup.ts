import { createServer as createHttpServer } from 'node:http'
import { createServer as createTcpServer, type Server, type Socket } from 'node:net'
import type { TestProject } from 'vitest/node'
import { freePort } from './free-port.js'
import type { MailboxEntry, MailTestContext } from './mail-test-context.js'
import { type ReceivedMail, startSmtpServer } from './smtp-server.js'

/**
 * Global setup of the workerd suites (vitest.workers.config.ts), run in Node: real SMTP servers
 * and two broken ones on loopback ports, and a small HTTP mailbox through which a test inside
 * workerd reads what arrived. Their ports reach the tests by `provide('mail', …)`.
 */

const CREDENTIALS = { user: 'smtp-user', pass: 'w0rk3rd-S3cret/pass' }

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : 0)
    })
  })

const entry = (m: ReceivedMail): MailboxEntry => ({
  envelope: m.envelope,
  from: m.parsed.from?.value.map((a) => ({ address: a.address ?? '', name: a.name })) ?? [],
  to: [m.parsed.to ?? []].flat().flatMap((t) => t.value.map((a) => a.address ?? '')),
  subject: m.parsed.subject,
  text: m.parsed.text,
  html: m.parsed.html,
  contentType: (m.parsed.headers.get('content-type') as { value?: string } | undefined)?.value,
  user: m.user,
  secure: m.secure,
})

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const plain = await startSmtpServer()
  const auth = await startSmtpServer({ auth: CREDENTIALS })
  // The same on 127.0.0.2: this machine, but not an address a mailer trusts as its loopback.
  const offLoopback = await startSmtpServer({ auth: CREDENTIALS, host: '127.0.0.2' })
  // Offers STARTTLS and then refuses it (454): a client that ignored the offer would send in
  // plain text and succeed. (A real handshake needs a certificate workerd trusts; Miniflare takes
  // extra CAs only from NODE_EXTRA_CA_CERTS when it loads, before any global setup runs.)
  const starttls = createTcpServer((socket) => {
    socket.write('220 starttls.test ESMTP\r\n')
    socket.on('data', (chunk: Buffer) => {
      const command = chunk.toString('latin1').trim().toUpperCase()
      if (command.startsWith('EHLO')) socket.write('250-starttls.test\r\n250 STARTTLS\r\n')
      else if (command === 'STARTTLS') socket.write('454 4.7.0 TLS not available right now\r\n')
      else if (command === 'QUIT') socket.end('221 bye\r\n')
      else socket.write('250 OK\r\n')
    })
  })
  const hangup = createTcpServer((socket) => {
    socket.write('220 hangup.test ESMTP\r\n')
    socket.once('data', () => socket.destroy())
  })
  const sockets = new Set<Socket>()
  const silent = createTcpServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  const servers = { plain, auth, offLoopback }
  const mailbox = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://mailbox')
    const server = servers[url.searchParams.get('server') as keyof typeof servers]
    const to = url.searchParams.get('to') ?? ''
    const subject = url.searchParams.get('subject')
    if (!server) return void res.writeHead(400).end()
    const found = subject === null ? server.mailTo(to) : server.mailTo(to, 5000, subject)
    found.then(
      (m) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(entry(m))),
      () => res.writeHead(404).end(),
    )
  })
  const context: MailTestContext = {
    host: '127.0.0.1',
    plainPort: plain.port,
    authPort: auth.port,
    offLoopbackAuthPort: offLoopback.port,
    credentials: CREDENTIALS,
    starttlsPort: await listen(starttls),
    hangupPort: await listen(hangup),
    silentPort: await listen(silent),
    deadPort: await freePort(),
    mailbox: `http://127.0.0.1:${await listen(mailbox)}`,
  }
  project.provide('mail', context)
  return async () => {
    for (const s of sockets) s.destroy()
    await Promise.all([plain.stop(), auth.stop(), offLoopback.stop()])
    await Promise.all(
      [hangup, silent, starttls, mailbox].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    )
  }
}

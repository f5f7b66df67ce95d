import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { start } from '../../src/node.js'
import { PASSWORD, TEST_SECRET } from '../support/constants.js'
import { freePort } from '../support/free-port.js'
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js'

/**
 * A stop of the Node service waits for the mails it sends after its answers (a verification
 * mail, a reset link) before it closes the stores, so a deploy does not drop them: here the SMTP
 * server takes 800 ms to accept each mail, and the stop comes right after the answer.
 */

let smtp: TestSmtpServer
beforeAll(async () => {
  smtp = await startSmtpServer({ acceptDelayMs: 800 })
})
afterAll(() => smtp.stop())

describe('stopping the Node service', () => {
  it('waits for a mail on its way before it returns', async () => {
    const port = await freePort()
    const lines: string[] = []
    const service = await start(
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        JWT_SECRET: TEST_SECRET,
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        MAIL_FROM: 'no-reply@example.com',
        APP_URL: 'https://app.example.com',
      },
      { sink: (line) => lines.push(line) },
    )
    const res = await fetch(`http://127.0.0.1:${port}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'leaving@example.com', password: PASSWORD }),
    })
    expect(res.status).toBe(201)
    await service.stop()
    // Written once the server accepted the mail: before the stop returned, not after.
    const sent = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'mail_sent')
    expect(sent).toEqual([expect.objectContaining({ purpose: 'verify_email' })])
    expect(smtp.received.map((m) => m.envelope.to)).toEqual([['leaving@example.com']])
  })
})

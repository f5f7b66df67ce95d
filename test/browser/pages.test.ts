import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest'
import { describeBrowser, launchBrowser } from '../support/browser.js'
import { PASSWORD } from '../support/constants.js'
import { type NodeService, startNodeService } from '../support/node-process.js'
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js'

// The pages (issue 12) in a real Chromium against the real Node service, its mail going to a real
// SMTP server: register, the verification mail, its link, log in, every account page, forgot
// password, the reset mail, its link, and the new password. Screenshots of each page are written
// to test-output/screenshots/ (docs/screenshots/ keeps a few for the README).

const SHOTS = join(import.meta.dirname, '../../test-output/screenshots')

/** The newest `path` link mailed to `to` (waiting up to 10 s for it), as the person would click it. */
async function linkMailed(smtp: TestSmtpServer, to: string, path: string): Promise<string> {
  const pattern = new RegExp(`https?://[^\\s"<>]+${path}\\?token=[A-Za-z0-9._-]+`)
  const find = () =>
    smtp.received
      .filter((m) => m.envelope.to.includes(to))
      .map((m) => pattern.exec(m.parsed.text ?? '')?.[0])
      .filter(Boolean)
      .at(-1)
  await expect.poll(find, { timeout: 10_000, message: `a ${path} link mailed to ${to}` }).toBeDefined()
  return find() ?? ''
}

describeBrowser('the pages in a real browser', () => {
  let smtp: TestSmtpServer
  let service: NodeService
  let browser: Awaited<ReturnType<typeof launchBrowser>>
  let origin: string

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    smtp = await startSmtpServer()
    service = await startNodeService({
      JWT_SECRET: 'pages-browser-secret-0123456789abcdefghijklmnop',
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      MAIL_FROM: 'Example Auth <no-reply@example.com>',
      UI: 'on',
    })
    origin = service.url.replace('127.0.0.1', 'localhost')
    browser = await launchBrowser() // the pages' own CSP stays on
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    if (service && service.child.exitCode === null) await service.stop()
    await smtp?.stop()
  })

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })

  it('walks register, the verification mail, log in, every account page, and a reset by mail', async () => {
    onTestFailed(() => console.error(`[the server's output]\n${service.output()}`))
    const page = await browser.context.newPage()
    const blocked: string[] = []
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/.test(m.text())) blocked.push(m.text())
    })
    const email = 'grace@example.com'

    await page.goto(`${origin}/register`)
    await shot(page, 'register')
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByLabel('Name').fill('Grace')
    await page.getByRole('button', { name: 'Register' }).click()
    await page.waitForLoadState()

    // The verification mail: opening its link spends nothing; the button does.
    await page.goto(await linkMailed(smtp, email, '/verify-email'))
    await shot(page, 'verify-email')
    await page.getByRole('button', { name: 'Verify email' }).click()
    await page.waitForLoadState()

    await page.goto(`${origin}/login`)
    await shot(page, 'login')
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.waitForURL(/\/account$/)
    await expect.poll(() => page.textContent('body')).toContain(email)
    await shot(page, 'account')
    expect(await page.evaluate(() => document.cookie)).toBe('')

    // The profile form: a new name, saved.
    await page.getByLabel('Name').fill('Grace Hopper')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.waitForLoadState()
    expect(await page.getByLabel('Name').inputValue()).toBe('Grace Hopper')

    for (const name of ['sessions', 'password', 'email', 'delete']) {
      await page.goto(`${origin}/account/${name}`)
      expect(page.url()).toBe(`${origin}/account/${name}`) // signed in: no redirect to /login
      await shot(page, `account-${name}`)
    }

    // A wrong current password is announced next to its field, and nothing changes.
    await page.goto(`${origin}/account/password`)
    await page.getByLabel('Current password').fill('not the password at all')
    await page.getByLabel('New password').fill('a brand new passphrase 42')
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.waitForLoadState()
    await expect.poll(() => page.locator('[role="alert"]').count()).toBeGreaterThan(0)
    await shot(page, 'account-password-error')

    // Forgot password, in another browser (signed out), then the reset link.
    const other = await launchBrowser()
    try {
      const signedOut = await other.context.newPage()
      await signedOut.goto(`${origin}/forgot-password`)
      await shot(signedOut, 'forgot-password')
      await signedOut.getByLabel('Email').fill(email)
      await signedOut.getByRole('button', { name: 'Send reset link' }).click()
      await signedOut.waitForLoadState()
      await signedOut.goto(await linkMailed(smtp, email, '/reset-password'))
      await shot(signedOut, 'reset-password')
      await signedOut.getByLabel('New password').fill('a brand new passphrase 42')
      await signedOut.getByRole('button', { name: 'Reset password' }).click()
      await signedOut.waitForLoadState()
      // The new password works.
      await signedOut.goto(`${origin}/login`)
      await signedOut.getByLabel('Email').fill(email)
      await signedOut.getByLabel('Password').fill('a brand new passphrase 42')
      await signedOut.getByRole('button', { name: 'Log in' }).click()
      await signedOut.waitForURL(/\/account$/)
    } finally {
      await other.close()
    }
    // The reset ended the first browser's session: its account page sends it to log in.
    await page.goto(`${origin}/account`)
    await page.waitForURL(/\/login/)

    expect(blocked).toEqual([]) // the CSP refused nothing the pages need
    await page.close()
  }, 90_000)
})

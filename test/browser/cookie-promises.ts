import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest'
import { describeBrowser, launchBrowser, otherSite } from '../support/browser.js'
import { PASSWORD } from '../support/constants.js'

// The promises about browsers, in a real Chromium against a real service (docs/security.md):
// the cookies are HttpOnly and no script sees a token; a transparent refresh after the access
// token expires; five tabs loading the account page at once; logout clears the cookies; a page on another site
// can change nothing and read nothing. The service is `localhost` and the other page `127.0.0.1`:
// two sites, as a browser counts them.

const TTL = 30 // ACCESS_TOKEN_TTL's minimum: the access cookie's Max-Age

/** A running service for the suite: its URL on 127.0.0.1, its output, and how to stop it. */
export interface Target {
  readonly url: string
  readonly output: () => string
  readonly stop: () => Promise<unknown>
}

/** The settings every target runs with: a short access token, and no mail. */
export const BROWSER_VARS = {
  JWT_SECRET: 'browser-test-secret-0123456789abcdefghijklmnop',
  ACCESS_TOKEN_TTL: String(TTL),
  EMAIL_VERIFICATION: 'off',
  PASSWORD_RESET: 'off',
}

/** The suite, against a service `start` runs (the Node service, or `npm run dev:worker`). */
export function cookiePromises(name: string, start: () => Promise<Target>): void {
  describeBrowser(name, () => {
    let service: Target
    let browser: Awaited<ReturnType<typeof launchBrowser>>
    let origin: string

    beforeAll(async () => {
      service = await start()
      origin = service.url.replace('127.0.0.1', 'localhost')
      browser = await launchBrowser({ bypassCSP: true })
    }, 90_000)
    afterAll(async () => {
      await browser?.close()
      await service?.stop()
    })

    /** A tab on the service's own origin (an answer of its own), to script requests from. */
    async function tab() {
      onTestFailed(() => console.error(`[the server's output]\n${service.output()}`))
      const page = await browser.context.newPage()
      await page.goto(`${origin}/health`)
      const call = (path: string, init: { method?: string; json?: unknown } = {}) =>
        page.evaluate(
          async ({ path, init }) => {
            // As a client should: a 503 `overloaded` (the Worker's password-hashing budget) is
            // retried after its Retry-After, a few times.
            for (let attempt = 0; ; attempt++) {
              const res = await fetch(path, {
                method: init.method ?? 'GET',
                headers: init.json === undefined ? {} : { 'content-type': 'application/json' },
                body: init.json === undefined ? null : JSON.stringify(init.json),
              })
              const body = await res.text()
              const wait = Number(res.headers.get('retry-after'))
              if (res.status !== 503 || !body.includes('overloaded') || attempt === 4)
                return { status: res.status, body }
              await new Promise((r) => setTimeout(r, wait * 1000))
            }
          },
          { path, init },
        )
      return { page, call }
    }

    const serviceCookies = async () =>
      (await browser.context.cookies(origin)).filter((c) => c.name === 'access_token' || c.name === 'refresh_token')

    it('keeps both tokens in HttpOnly, SameSite, Path=/ cookies that no script sees', async () => {
      const { page, call } = await tab()
      const email = 'cookies@example.com'
      expect((await call('/register', { method: 'POST', json: { email, password: PASSWORD } })).status).toBe(201)
      expect((await call('/login', { method: 'POST', json: { email, password: PASSWORD } })).status).toBe(200)
      const cookies = await serviceCookies()
      expect(cookies.map((c) => c.name).sort()).toEqual(['access_token', 'refresh_token'])
      for (const c of cookies) {
        expect(c).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' })
        expect(c.value.length).toBeGreaterThan(20)
      }
      const seen = await page.evaluate(() => document.cookie)
      for (const c of cookies) expect(seen).not.toContain(c.value)
      expect(seen).not.toMatch(/access_token|refresh_token/)
      expect((await call('/session')).status).toBe(200)
      await page.close()
    })

    it('refreshes transparently once the access token has expired, with five tabs at once, and logs out', async () => {
      const { page, call } = await tab()
      const email = 'tabs@example.com'
      expect((await call('/register', { method: 'POST', json: { email, password: PASSWORD } })).status).toBe(201)
      expect((await call('/login', { method: 'POST', json: { email, password: PASSWORD } })).status).toBe(200)
      const first = (await serviceCookies()).find((c) => c.name === 'refresh_token')?.value
      // The browser drops the access cookie at its Max-Age; wait it out for real.
      await page.waitForTimeout((TTL + 1) * 1000)
      expect((await serviceCookies()).map((c) => c.name)).toEqual(['refresh_token'])

      // Five tabs load a protected page (the account page) at the same moment: each is that
      // page, none the login page, through one rotation and its grace window.
      const tabs = await Promise.all(Array.from({ length: 5 }, () => browser.context.newPage()))
      const loads = await Promise.all(tabs.map((t) => t.goto(`${origin}/account`)))
      expect(loads.map((r) => r?.status())).toEqual([200, 200, 200, 200, 200])
      expect(tabs.map((t) => new URL(t.url()).pathname)).toEqual(Array(5).fill('/account'))
      const after = await serviceCookies()
      expect(after.map((c) => c.name).sort()).toEqual(['access_token', 'refresh_token'])
      expect(after.find((c) => c.name === 'refresh_token')?.value).not.toBe(first)
      // Still one session, and it works from any tab afterwards.
      const sessions = await call('/sessions')
      expect(sessions.status).toBe(200)
      expect((JSON.parse(sessions.body) as { sessions: unknown[] }).sessions).toHaveLength(1)
      expect((await tabs[4]?.goto(`${origin}/account`))?.status()).toBe(200)

      expect((await call('/logout', { method: 'POST' })).status).toBe(204)
      expect(await serviceCookies()).toEqual([])
      expect((await call('/session')).status).toBe(401)
      for (const t of tabs) await t.close()
      await page.close()
    }, 90_000)

    it('lets a page on another site change nothing and read nothing, by form or by fetch', async () => {
      const { page, call } = await tab()
      const email = 'victim@example.com'
      expect((await call('/register', { method: 'POST', json: { email, password: PASSWORD } })).status).toBe(201)
      expect((await call('/login', { method: 'POST', json: { email, password: PASSWORD } })).status).toBe(200)
      const before = await serviceCookies()

      // A form that posts to log the victim out everywhere, and a fetch that tries to rename them and
      // read their profile, with credentials.
      const evil = await otherSite(`<!doctype html><html><body>
      <form id="f" method="POST" action="${origin}/logout-all"></form>
      <script>
        window.results = {}
        fetch('${origin}/profile', { method: 'POST', credentials: 'include', headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ name: 'Owned' }) })
          .then((r) => { window.results.post = 'read ' + r.status }, (e) => { window.results.post = 'blocked' })
        fetch('${origin}/profile', { credentials: 'include' })
          .then((r) => r.text()).then((t) => { window.results.read = t }, () => { window.results.read = 'blocked' })
      </script></body></html>`)
      try {
        const attacker = await browser.context.newPage()
        await attacker.goto(evil.url)
        // Polled by time: a tab in the background gets no animation frames to poll on.
        await attacker.waitForFunction(
          () => {
            const r = (window as unknown as { results: Record<string, string> }).results
            return r.post !== undefined && r.read !== undefined
          },
          undefined,
          { polling: 100 },
        )
        const results = await attacker.evaluate(
          () => (window as unknown as { results: Record<string, string> }).results,
        )
        // CORS keeps the answers from the page: it reads nothing.
        expect(results).toEqual({ post: 'blocked', read: 'blocked' })
        const navigated = attacker.waitForEvent('framenavigated')
        await attacker.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit())
        await navigated
        // The form's answer is the refusal, shown to the browser, not the victim's data.
        expect(await attacker.textContent('body')).toContain('forbidden_origin')
        await attacker.close()
      } finally {
        await evil.close()
      }
      // Nothing changed: the same session, the same name, the same cookies.
      expect((await call('/session')).status).toBe(200)
      const profile = JSON.parse((await call('/profile')).body) as { user: { name: string | null } }
      expect(profile.user.name).toBeNull()
      const sessions = JSON.parse((await call('/sessions')).body) as { sessions: unknown[] }
      expect(sessions.sessions).toHaveLength(1)
      expect((await serviceCookies()).map((c) => c.value).sort()).toEqual(before.map((c) => c.value).sort())
      await page.close()
    })
  })
}

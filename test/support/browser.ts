import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'
import { describe, it } from 'vitest'

/**
 * A real Chromium for the browser tests: Debian's `chromium` driven by `playwright-core`, never a
 * downloaded browser (docs: TOOLING.md). `.ci/run` installs it when missing and sets
 * REQUIRE_CHROMIUM=1, which turns the skip below into a failure.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const HAS_CHROMIUM = spawnSync(CHROMIUM, ['--version'], { stdio: 'ignore' }).status === 0
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** `describe`, when Chromium is installed; otherwise skipped with a message, or failing under REQUIRE_CHROMIUM=1. */
export function describeBrowser(name: string, body: () => void): void {
  if (HAS_CHROMIUM) {
    describe(name, body)
    return
  }
  const why = `Browser suite "${name}" cannot run: ${CHROMIUM} not found. Install it (Debian: apt-get install chromium)`
  if (process.env.REQUIRE_CHROMIUM === '1') {
    describe(name, () => {
      it('needs Chromium (REQUIRE_CHROMIUM=1)', () => {
        throw new Error(why)
      })
    })
    return
  }
  console.warn(`${why}; REQUIRE_CHROMIUM=1 turns this skip into a failure.`)
  // Skipped on purpose: no Chromium here and REQUIRE_CHROMIUM unset; the warning says how to run it.
  describe.skip(name, body)
}

/**
 * One browser profile of its own (cookies included), in a temporary directory removed at close.
 * `bypassCSP` lets a test script `fetch` from one of the JSON API's own answers, whose CSP
 * (`default-src 'none'`) would refuse it: for tests of cookies and requests, not of pages.
 */
export async function launchBrowser(
  opts: { readonly bypassCSP?: boolean } = {},
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'chromium-profile-'))
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    ...(opts.bypassCSP && { bypassCSP: true }),
  })
  return {
    context,
    close: async () => {
      await context.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** A page on another site: a plain HTTP server on 127.0.0.1 serving one HTML document. */
export async function otherSite(html: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(html)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    // The browser keeps its connection alive: end it, or close would wait for it.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

import { expect } from 'vitest'
import { PAGE_CSP } from '../../src/adapters/http/pages/layout.js'
import type { TestAppOptions, TestClient } from '../support/app-harness.js'
import { setup } from './helpers.js'

/**
 * Shared pieces of the page tests (UI=on). Web APIs only, like helpers.ts, so they also run in
 * workerd. HTML is read with small regular expressions: the pages are ours and regular.
 */

/** The app with the pages on. */
export const uiSetup = (opts: TestAppOptions = {}) => setup({ ...opts, ui: true })

/** A form post as a browser sends it without a script (same-origin fetch metadata unless told). */
export const formPost = (fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', ...headers },
  body: new URLSearchParams(fields).toString(),
})

/** Asserts an HTML page with the pages' CSP and no-store; returns its text. */
export async function expectPage(res: Response, status = 200): Promise<string> {
  const text = await res.text()
  expect(res.status, text).toBe(status)
  expect(res.headers.get('content-type')).toMatch(/^text\/html/)
  expect(res.headers.get('content-security-policy')).toBe(PAGE_CSP)
  expect(res.headers.get('cache-control')).toBe('no-store')
  expect(res.headers.get('referrer-policy')).toBe('same-origin')
  // Nothing inline that the CSP would block, and nothing fetched from elsewhere.
  expect(text).not.toMatch(/<script(?![^>]*\bsrc="\/ui\/app\.js")/)
  expect(text).not.toMatch(/\sstyle=|\son[a-z]+=/i)
  expect(text).not.toMatch(/(src|href)="(https?:)?\/\//)
  return text
}

/** Asserts a visible label with this text, tied by `for` to an input of the page; the input's tag. */
export function inputLabelled(page: string, label: string): string {
  const m = new RegExp(`<label for="([^"]+)">${label}</label>`).exec(page)
  expect(m, `a label "${label}"`).not.toBeNull()
  const input = new RegExp(`<input id="${m?.[1]}"[^>]*>`).exec(page)
  expect(input, `the input of "${label}"`).not.toBeNull()
  return input?.[0] ?? ''
}

/** Asserts a submit button that says `text`. */
export const expectButton = (page: string, text: string): void =>
  expect(page).toMatch(new RegExp(`<button type="submit"[^>]*>${text}</button>`))

/** The error announced next to a field: tied to the input by `aria-describedby`, `role="alert"`. */
export function fieldError(page: string, label: string): string {
  const input = inputLabelled(page, label)
  expect(input).toContain('aria-invalid="true"')
  const id = /aria-describedby="([^"]+)"/.exec(input)?.[1]
  const m = new RegExp(`<p class="error" id="${id}" role="alert">([^<]*)</p>`).exec(page)
  expect(m, `an error next to "${label}"`).not.toBeNull()
  return m?.[1] ?? ''
}

/** A 303 to `path`. */
export function expectSeeOther(res: Response, path: string): void {
  expect(res.status).toBe(303)
  expect(res.headers.get('location')).toBe(path)
}

/** Logs `client` in through the login form. */
export async function formLogIn(client: TestClient, email: string, password: string): Promise<void> {
  const res = await client.request('/ui/login', formPost({ email, password }))
  expectSeeOther(res, '/account')
}

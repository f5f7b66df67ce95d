import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../support/free-port.js'

/**
 * The package as someone who is not us gets it: `npm pack`, then the tarball installed into a
 * fresh app beside hono from the registry. That app is type-checked (routes, `requireAuth`, `hc`),
 * run on Node through register, login, a protected route, refresh and logout, and its Worker
 * bundled by wrangler's dry run. Nothing here reaches into src/.
 */
const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, '../..')
const bin = (name: string) => path.join(root, 'node_modules/.bin', name)
const MINUTES = 60_000

let dir: string
let server: ChildProcess | undefined

/** Runs a command; on failure, the error carries its output (quiet otherwise). */
async function sh(file: string, args: string[], cwd: string, timeout = 3 * MINUTES): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, timeout, maxBuffer: 64 * 1024 * 1024, env: cleanEnv() })
    return stdout
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string }
    throw new Error(`${file} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`)
  }
}

/** The environment without npm's per-run settings, so the install behaves as on a fresh machine. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')))
  return { ...env, WRANGLER_SEND_METRICS: 'false', NODE_ENV: 'development' }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'consumer-'))
  const packed = JSON.parse(await sh('npm', ['pack', '--json', '--pack-destination', dir], root)) as {
    filename: string
  }[]
  const tarball = path.join(dir, packed[0]?.filename ?? '')
  cpSync(path.join(import.meta.dirname, 'app'), dir, { recursive: true })
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({
      name: 'consumer-app',
      private: true,
      type: 'module',
      dependencies: { hono: '^4.13.0', '@hono/node-server': '^2.1.0', 'hono-cookie-auth': `file:${tarball}` },
    }),
  )
  await sh('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock'], dir)
}, 6 * MINUTES)

afterAll(() => {
  server?.kill('SIGTERM')
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('the packed package in a fresh app', () => {
  it('ships dist, the README and the LICENSE, and no source or tests', async () => {
    const listed = JSON.parse(await sh('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], root)) as {
      files: { path: string }[]
    }[]
    const files = listed[0]?.files.map((f) => f.path) ?? []
    expect(files).toContain('dist/index.js')
    expect(files).toContain('dist/index.d.ts')
    expect(files).toContain('dist/workers.js')
    expect(files).toContain('README.md')
    expect(files).toContain('LICENSE')
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([])
  })

  it('type-checks an app that mounts the routes, uses requireAuth and types hc', async () => {
    await sh(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], dir)
  })

  it('serves register, login, a protected route, refresh and logout on Node', async () => {
    const port = await freePort()
    server = spawn(process.execPath, ['server.mjs'], { cwd: dir, env: { ...cleanEnv(), PORT: String(port) } })
    let output = ''
    server.stdout?.on('data', (d) => {
      output += d
    })
    server.stderr?.on('data', (d) => {
      output += d
    })
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no start: ${output}`)), 20_000)
      server?.stdout?.on('data', () => {
        if (output.includes('ready')) {
          clearTimeout(t)
          resolve()
        }
      })
    })
    const base = `http://127.0.0.1:${port}`
    const json = (body: unknown) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const account = { email: 'consumer@example.com', password: 'a consumer password of some length' }
    expect((await fetch(`${base}/auth/register`, json(account))).status).toBe(201)
    const login = await fetch(`${base}/auth/login`, json(account))
    expect(login.status).toBe(200)
    expect(login.headers.get('cache-control')).toBe('no-store')
    expect(login.headers.get('x-content-type-options')).toBe('nosniff')
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ')
    expect(cookie).toMatch(/access_token=.+; refresh_token=.+/)

    const orders = await fetch(`${base}/orders`, { headers: { cookie } })
    expect(orders.status).toBe(200)
    expect(await orders.json()).toMatchObject({ orders: [] })
    expect((await fetch(`${base}/orders`)).status).toBe(401)

    const profile = await fetch(`${base}/auth/profile`, { headers: { cookie } })
    expect(profile.status).toBe(200)
    expect(profile.headers.get('content-security-policy')).toContain("default-src 'none'")

    const refreshed = await fetch(`${base}/auth/refresh`, { method: 'POST', headers: { cookie } })
    expect(refreshed.status).toBe(200)
    const rotated = refreshed.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ')
    const logout = await fetch(`${base}/auth/logout`, { method: 'POST', headers: { cookie: rotated } })
    expect(logout.status).toBe(204)
    // The session is gone: its refresh token no longer rotates.
    expect((await fetch(`${base}/auth/refresh`, { method: 'POST', headers: { cookie: rotated } })).status).toBe(401)
  })

  it('bundles a Worker that uses hono-cookie-auth/workers with wrangler dry run', async () => {
    const out = await sh(bin('wrangler'), ['deploy', '--dry-run', '--outdir', 'out', '-c', 'wrangler.toml'], dir)
    expect(out).toMatch(/--dry-run: exiting now/)
  })
})

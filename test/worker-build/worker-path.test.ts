import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { specifiers, tsFiles } from '../support/imports.js'

/**
 * Static checks of what the Worker ships, from Node: the modules reachable from src/worker.ts use
 * nothing Workers lack, and nothing anywhere relies on PBKDF2 beyond Workers' 100,000 iterations.
 */

const ROOT = resolve(import.meta.dirname, '../..')
const SRC = join(ROOT, 'src')

/** Every source file reachable from `entry` by relative imports, and every package it names. */
function graph(entry: string): { files: Map<string, string>; packages: Set<string> } {
  const files = new Map<string, string>()
  const packages = new Set<string>()
  const visit = (file: string): void => {
    if (files.has(file)) return
    const source = readFileSync(file, 'utf8')
    files.set(file, source)
    for (const spec of specifiers(source)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')))
      else packages.add(spec)
    }
  }
  visit(entry)
  return { files, packages }
}

describe('the Worker path (src/worker.ts and what it imports)', () => {
  const { files, packages } = graph(join(SRC, 'worker.ts'))

  it('reaches the Durable Object and KV stores, and not the Node-only ones', () => {
    const reached = [...files.keys()].map((f) => f.slice(SRC.length + 1))
    expect(reached).toContain('adapters/stores/durable-object/object.ts')
    expect(reached).toContain('adapters/stores/kv/index.ts')
    expect(reached.filter((f) => /^node\.ts$|stores\/(redis|memory)\//.test(f))).toEqual([])
  })

  it('imports only packages that run on Workers, and of node:* only what nodejs_compat gives', () => {
    // hono-openapi builds the OpenAPI document on the first GET /openapi.json or /docs; the HTTP
    // suite's test/http/openapi.test.ts runs it inside workerd.
    const allowed = (p: string) =>
      p === 'hono' ||
      p.startsWith('hono/') ||
      p === 'valibot' ||
      p === 'hono-openapi' ||
      p === 'cloudflare:workers' ||
      // SMTP from a Worker (src/adapters/mail/smtp-worker.ts); test/workers/mail-smtp.test.ts runs it in workerd.
      p === 'cloudflare:sockets' ||
      // Imported bcrypt and argon2id hashes, pure JS: test/http/import-users.test.ts logs in with them in workerd.
      p === 'bcryptjs' ||
      p === '@noble/hashes/argon2.js' ||
      p === 'node:crypto'
    expect([...packages].filter((p) => !allowed(p))).toEqual([])
  })

  it('reads no process.env: configuration comes from the env bindings', () => {
    const code = (source: string) => source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
    const readers = [...files].filter(([, source]) => /\bprocess\s*\.\s*env\b/.test(code(source))).map(([f]) => f)
    expect(readers).toEqual([])
  })
})

describe('PBKDF2', () => {
  it('is never used above the 100,000 iterations Workers allow (and the hasher is scrypt)', () => {
    const uses = tsFiles(SRC).filter((f) => /pbkdf2/i.test(readFileSync(f, 'utf8')))
    for (const file of uses) {
      const source = readFileSync(file, 'utf8')
      const counts = [...source.matchAll(/iterations\s*:\s*([\d_]+)/gi)].map((m) =>
        Number((m[1] ?? '').replaceAll('_', '')),
      )
      expect(counts.length, `${file} uses PBKDF2 without a literal iteration count`).toBeGreaterThan(0)
      for (const n of counts) expect(n, file).toBeLessThanOrEqual(100_000)
    }
    expect(readFileSync(join(SRC, 'adapters/crypto/scrypt-hasher.ts'), 'utf8')).toMatch(/\bscrypt\b/)
  })
})

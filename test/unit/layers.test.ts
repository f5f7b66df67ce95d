import { readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { specifiers, tsFiles } from '../support/imports.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const SRC = join(ROOT, 'src')

type Layer = 'domain' | 'application'

const FORBIDDEN: ReadonlyArray<[string, (s: string) => boolean]> = [
  ['hono', (s) => s === 'hono' || s.startsWith('hono/')],
  ['@hono/*', (s) => s.startsWith('@hono/')],
  ['ioredis', (s) => s === 'ioredis' || s.startsWith('ioredis/')],
  ['node:*', (s) => s.startsWith('node:')],
  ['cloudflare:*', (s) => s.startsWith('cloudflare:')],
  ['@cloudflare/*', (s) => s.startsWith('@cloudflare/')],
  ['valibot', (s) => s === 'valibot' || s.startsWith('valibot/')],
  ['adapters', (s) => s.includes('adapters')],
]

/** What a file in `layer` at `file` (absolute path) may not import, as messages. */
function violations(file: string, source: string, layer: Layer): string[] {
  const allowed = layer === 'domain' ? ['domain'] : ['domain', 'application']
  const out: string[] = []
  for (const spec of specifiers(source)) {
    for (const [name, matches] of FORBIDDEN) if (matches(spec)) out.push(`${spec} (${name})`)
    if (!spec.startsWith('.')) {
      out.push(`${spec} (a package: ${layer} imports relative paths only)`)
      continue
    }
    const target = relative(SRC, resolve(dirname(file), spec))
    const top = target.split(sep)[0] ?? ''
    if (target.startsWith('..') || !allowed.includes(top)) out.push(`${spec} (outside ${allowed.join(' and ')})`)
  }
  return out
}

const files = (layer: Layer) => tsFiles(join(SRC, layer))

describe('the dependency rule', () => {
  it('finds the files it checks', () => {
    expect(files('domain').length).toBeGreaterThanOrEqual(5)
    expect(files('application').length).toBeGreaterThanOrEqual(8)
    expect(files('application').some((f) => specifiers(readFileSync(f, 'utf8')).length > 0)).toBe(true)
  })

  for (const layer of ['domain', 'application'] as const) {
    it(`${layer} imports only what the layering allows`, () => {
      const found = files(layer).flatMap((file) =>
        violations(file, readFileSync(file, 'utf8'), layer).map((v) => `${relative(ROOT, file)}: ${v}`),
      )
      expect(found).toEqual([])
    })
  }

  it('no source file calls Math.random', () => {
    const found = tsFiles(SRC).filter((file) => /\bMath\s*\.\s*random\b/.test(readFileSync(file, 'utf8')))
    expect(found.map((f) => relative(ROOT, f))).toEqual([])
  })

  it('domain and application read no configuration', () => {
    const found = [...files('domain'), ...files('application')].filter((file) =>
      /\bprocess\s*\.\s*env\b|\bDeno\s*\.\s*env\b/.test(readFileSync(file, 'utf8')),
    )
    expect(found.map((f) => relative(ROOT, f))).toEqual([])
  })
})

describe('the dependency rule checker (so it can fail)', () => {
  const domainFile = join(SRC, 'domain', 'example.ts')
  const appFile = join(SRC, 'application', 'example.ts')

  it.each([
    "import { Hono } from 'hono'",
    "import { sign } from 'hono/jwt'",
    "import { serve } from '@hono/node-server'",
    "import Redis from 'ioredis'",
    "import { randomBytes } from 'node:crypto'",
    "import { DurableObject } from 'cloudflare:workers'",
    "import type { KVNamespace } from '@cloudflare/workers-types'",
    "import * as v from 'valibot'",
    "import { createMemoryStores } from '../adapters/stores/memory/index.js'",
    "export { jsonLog } from '../adapters/log.js'",
    "import '../adapters/log.js'",
    "type Log = import('../adapters/log.js').Log",
    "const fs = require('node:fs')",
    "const m = await import('node:fs')",
    'import {\n  a,\n  b,\n} from "hono"',
    "import crypto from 'crypto'",
  ])('flags %j in application', (source) => {
    expect(violations(appFile, source, 'application')).not.toEqual([])
  })

  it('flags domain importing application, and anything escaping src', () => {
    expect(violations(domainFile, "import type { Deps } from '../application/deps.js'", 'domain')).not.toEqual([])
    expect(violations(appFile, "import { x } from '../../test/support/fixtures.js'", 'application')).not.toEqual([])
    expect(violations(appFile, "import { x } from '../node.js'", 'application')).not.toEqual([])
  })

  it('allows what the rule allows', () => {
    expect(violations(domainFile, "import type { UserId } from './user.js'", 'domain')).toEqual([])
    expect(violations(appFile, "import { fail } from '../domain/errors.js'", 'application')).toEqual([])
    expect(violations(appFile, "export type * from './ports.js'", 'application')).toEqual([])
  })
})

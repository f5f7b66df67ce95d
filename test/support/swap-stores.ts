import path from 'node:path'
import type { Plugin } from 'vitest/config'

/**
 * A vite plugin that makes the HTTP suite's stores (test/support/store-under-test.ts) another
 * runtime's or backend's: every import of that file resolves to `replacement` instead. Used by
 * vitest.config.ts (Redis) and vitest.workers.config.ts (the Worker's stores).
 */
export function swapStoresUnderTest(root: string, replacement: string): Plugin {
  const original = path.join(root, 'test/support/store-under-test.ts')
  const target = path.join(root, replacement)
  return {
    name: `store-under-test:${replacement}`,
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!source.includes('store-under-test')) return null
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true })
      return resolved?.id === original ? target : null
    },
  }
}

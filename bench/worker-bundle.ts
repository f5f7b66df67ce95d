/**
 * The Worker bundle's size, as `wrangler deploy` would upload it: bundled and minified offline
 * with `wrangler deploy --dry-run`, then gzipped here. Budget: `WORKER_GZIP_BUDGET`. Run it alone with
 * `npx tsx bench/worker-bundle.ts`; add `--metafile` to see what is big.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'

const root = path.resolve(import.meta.dirname, '..')
const wrangler = path.join(root, 'node_modules/wrangler/bin/wrangler.js')

/**
 * The Worker's gzipped script budget. It was 32 KB; the OpenAPI document and the /docs page raised
 * it (issue 9): measured 49.0 KB with them against 33.8 KB without, on the same tree. hono-openapi
 * with its JSON Schema layer and @valibot/to-json-schema are about 10 KB of that, the operations'
 * descriptions and the page renderer about 5 KB; all of it is evaluated only on the first request
 * for a document, and zod, which hono-openapi would also pull in, is left out (wrangler.toml).
 * The account lifecycle (issue 10: its use cases, the SMTP client and message renderer, the mail
 * settings, the token tables of the Durable Object, eight more documented operations) raised it
 * again: measured 59.5 KB against 49.0 KB on the commit before. Verifying imported bcrypt and
 * argon2id hashes (issue 11: bcryptjs, 20.9 KB minified, and @noble/hashes' argon2id with BLAKE2b,
 * 15.9 KB) raised it once more: measured 77.4 KB against 60.6 KB on the commit before. Both are
 * loaded by a dynamic import at the first legacy hash, which keeps them out of the isolate's start
 * but not out of the one script wrangler uploads. Asymmetric access tokens with their JWKS, roles,
 * and the admin routes (issue 11) brought it to 82.3 KB; esbuild's metafile for that build puts
 * bcryptjs at 20.4 KB and @noble/hashes at 15.5 KB of the 233 KB minified, our HTTP adapter at
 * 36.9 KB and hono at 36.5 KB. The pages (issue 12, UI=on: hono/html templates, one stylesheet,
 * one script, the form routes; no new dependency) measured 89.2 KB against 83.1 KB on the commit
 * before, over the 88 KB budget; raised to 90 KB in a commit of its own so it can be reverted.
 * It leaves room for a fix, not for a new dependency: a package the size of zod (45 KB) still fails this.
 */
export const WORKER_GZIP_BUDGET = 90 * 1024

/** Builds the Worker into a temporary folder and measures every emitted module (source maps aside). */
export async function measureWorkerBundle(
  opts: { metafile?: string } = {},
): Promise<{ rawBytes: number; gzipBytes: number }> {
  const outdir = await mkdtemp(path.join(tmpdir(), 'worker-bundle-'))
  try {
    const args = [wrangler, 'deploy', '--dry-run', '--outdir', outdir]
    if (opts.metafile) args.push('--metafile', opts.metafile)
    await promisify(execFile)(process.execPath, args, {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
      maxBuffer: 16 * 1024 * 1024,
    })
    const modules = (await readdir(outdir)).filter((f) => /\.(m?js|cjs)$/.test(f))
    if (modules.length === 0) throw new Error(`wrangler emitted no module into ${outdir}`)
    const code = Buffer.concat(await Promise.all(modules.map((f) => readFile(path.join(outdir, f)))))
    return { rawBytes: code.length, gzipBytes: gzipSync(code).length }
  } finally {
    await rm(outdir, { recursive: true, force: true })
  }
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)
if (isMain) {
  const metafile = process.argv.includes('--metafile') ? path.join(tmpdir(), 'worker-bundle-meta.json') : undefined
  const { rawBytes, gzipBytes } = await measureWorkerBundle(metafile ? { metafile } : {})
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`
  console.log(`worker bundle: ${kb(rawBytes)} raw, ${kb(gzipBytes)} gzipped (budget ${kb(WORKER_GZIP_BUDGET)})`)
  if (metafile) console.log(`esbuild metafile: ${metafile}`)
  if (gzipBytes > WORKER_GZIP_BUDGET) process.exitCode = 1
}

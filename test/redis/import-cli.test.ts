import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { argon2id } from '@noble/hashes/argon2.js'
import bcrypt from 'bcryptjs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createRedisStores } from '../../src/adapters/stores/redis/index.js'
import type { Email } from '../../src/domain/email.js'
import { makeTestApp, TestClient } from '../support/app-harness.js'
import { PASSWORD } from '../support/constants.js'
import { freePort } from '../support/free-port.js'
import { ensureNodeBuild, IMPORT_CLI_ENTRY, ROOT } from '../support/node-build.js'
import { describeRedis } from '../support/redis-server.js'
import { useSingleRedis } from './fixture.js'

/**
 * `npm run import -- users.jsonl` as an operator runs it: the built command as a child process over
 * a private redis-server, with a JSONL file of its own. The service's default key prefix: only on a
 * private server.
 */

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the command with only `env` (and PATH, HOME); resolves once it has exited by itself. */
function run(how: 'node' | 'npm', args: string[], env: Record<string, string>, cwd = ROOT): Promise<Run> {
  const [command, argv] =
    how === 'node'
      ? [process.execPath, [IMPORT_CLI_ENTRY, ...args]]
      : ['npm', ['--prefix', ROOT, 'run', '-s', 'import', '--', ...args]]
  const child = spawn(command, argv, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d
  })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d
  })
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })))
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '')
const salt = new Uint8Array(16).fill(9)
const BCRYPT = bcrypt.hashSync(PASSWORD, 4)
const ARGON = `$argon2id$v=19$m=256,t=2,p=1$${b64(salt)}$${b64(argon2id(PASSWORD, salt, { m: 256, t: 2, p: 1, dkLen: 32 }))}`
const record = (email: string, passwordHash: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ email, passwordHash, ...extra })

describeRedis('npm run import (the command, over Redis)', 'private', () => {
  const redis = useSingleRedis()
  let dir: string
  beforeAll(async () => {
    await ensureNodeBuild()
    dir = await mkdtemp(join(tmpdir(), 'import-cli-'))
  }, 120_000)
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  const login = async (email: string, password = PASSWORD) => {
    const t = await makeTestApp({ stores: createRedisStores(redis().client) })
    return (await new TestClient(t.app).request('/login', { method: 'POST', json: { email, password } })).status
  }
  const stored = async (email: string) =>
    (await createRedisStores(redis().client).users.findByEmail(email as Email))?.passwordHash

  it('imports the good lines, reports the bad ones by number on standard output, and exits 1', async () => {
    const file = join(dir, 'users.jsonl')
    await writeFile(
      file,
      [
        record('cli-bcrypt@example.com', BCRYPT, { name: 'Bcrypt User' }),
        '{"email": oops',
        '',
        record('cli-argon@example.com', ARGON),
        record('cli-big@example.com', BCRYPT.replace('$04$', '$14$')),
        record('cli-bcrypt@example.com', ARGON),
      ].join('\n'),
    )
    const result = await run('node', [file], { REDIS_URL: redis().url })
    expect(result.code, result.stderr).toBe(1)
    expect(result.stdout.trim().split('\n')).toEqual([
      'line 2: not valid JSON',
      expect.stringMatching(/^line 5: passwordHash is not a supported hash/),
      'line 6: email is already on line 1',
      'imported 2 accounts, skipped 3 lines',
    ])
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain(BCRYPT.slice(7))
      expect(text).not.toContain(ARGON.slice(-43))
    }

    for (const email of ['cli-bcrypt@example.com', 'cli-argon@example.com']) {
      expect(await login(email, `${PASSWORD}!`), email).toBe(401)
      expect(await login(email), email).toBe(200)
      expect(await stored(email)).toMatch(/^\$scrypt\$/)
      expect(await login(email), email).toBe(200)
    }
    expect(await stored('cli-big@example.com')).toBeUndefined()

    // The same file again: every account is in already, and nothing changes.
    const again = await run('node', [file], { REDIS_URL: redis().url })
    expect(again.code).toBe(1)
    expect(again.stdout).toContain('line 1: email is already taken')
    expect(again.stdout).toContain('imported 0 accounts, skipped 5 lines')
  })

  it('through npm, with a path relative to where npm was run: exit 0 when every line is imported', async () => {
    await writeFile(join(dir, 'ok.jsonl'), `${record('cli-npm@example.com', BCRYPT)}\r\n`)
    const result = await run('npm', ['ok.jsonl'], { REDIS_URL: redis().url }, dir)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout.trim()).toBe('imported 1 account, skipped 0 lines')
    expect(await login('cli-npm@example.com')).toBe(200)
  })

  it('refuses to import without a configured Redis, or from a file it cannot read: exit 2', async () => {
    const file = join(dir, 'one.jsonl')
    await writeFile(file, `${record('cli-none@example.com', BCRYPT)}\n`)
    const none = await run('node', [file], {})
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/set REDIS_URL or REDIS_CLUSTER_NODES/)
    expect(none.stdout).toBe('')

    const missing = await run('node', [join(dir, 'missing.jsonl')], { REDIS_URL: redis().url })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('(ENOENT): nothing imported')
    const folder = await run('node', [dir], { REDIS_URL: redis().url })
    expect(folder.code).toBe(2)
    expect(folder.stderr).toContain('(EISDIR)')
    const usage = await run('node', [], { REDIS_URL: redis().url })
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain('usage: npm run import -- <users.jsonl>')
    expect(await stored('cli-none@example.com')).toBeUndefined()
  })

  it('says Redis is unreachable without printing its password, and exits 2', async () => {
    const file = join(dir, 'down.jsonl')
    await writeFile(file, `${record('cli-down@example.com', BCRYPT)}\n`)
    const secret = 'hunter2-redis-password-never-printed'
    const result = await run('node', [file], { REDIS_URL: `redis://:${secret}@127.0.0.1:${await freePort()}` })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('redis is not reachable: nothing imported')
    expect(`${result.stdout}${result.stderr}`).not.toContain(secret)
  })
})

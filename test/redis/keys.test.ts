import { createHash } from 'node:crypto'
import { connect } from 'node:net'
import type { Redis } from 'ioredis'
import { expect, it } from 'vitest'
import { createRedisStores } from '../../src/adapters/stores/redis/index.js'
import { SCRIPT_SOURCES, type ScriptName } from '../../src/adapters/stores/redis/scripts.js'
import type { Stores } from '../../src/application/ports.js'
import type { Email } from '../../src/domain/email.js'
import { makeTestApp, TestClient } from '../support/app-harness.js'
import { DAY, PASSWORD } from '../support/constants.js'
import { aToken, at, aUser } from '../support/fixtures.js'
import { describeRedis, rawCommand, waitFor } from '../support/redis-server.js'
import { testPrefix, useRedisCluster, useSingleRedis } from './fixture.js'

/** Register, a failed and two good logins, refresh, profile, sessions, logout, logout-all: every script runs. */
async function everyOperation(client: TestClient, other: TestClient, email: string): Promise<void> {
  const steps: Array<[TestClient, string, RequestInit & { json?: unknown }]> = [
    [client, '/register', { method: 'POST', json: { email, password: PASSWORD } }],
    [client, '/login', { method: 'POST', json: { email, password: 'wrong password here' } }],
    [client, '/login', { method: 'POST', json: { email, password: PASSWORD } }],
    [other, '/login', { method: 'POST', json: { email, password: PASSWORD } }],
    [client, '/refresh', { method: 'POST' }],
    [client, '/profile', { method: 'POST', json: { name: 'Ada' } }],
    [client, '/sessions', {}],
    [other, '/logout', { method: 'POST' }],
    [client, '/logout-all', { method: 'POST' }],
  ]
  const statuses = []
  for (const [who, path, init] of steps) statuses.push((await who.request(path, init)).status)
  expect(statuses).toEqual([201, 401, 200, 200, 200, 200, 200, 204, 204])
}

/**
 * The account lifecycle on the stores themselves: a token issued, listed, spent and revoked; an
 * address change refused, a free one taken, the same one again; an update and a delete. With the
 * HTTP flow above, every script runs.
 */
async function everyAccountOperation(stores: Stores): Promise<void> {
  const now = Date.now()
  const user = aUser()
  const other = aUser()
  await stores.users.create(user)
  await stores.users.create(other)
  const token = aToken(user.id, 'change_email', now)
  await stores.tokens.issue(token)
  expect(await stores.tokens.listForUser(user.id, at(now))).toEqual([token])
  expect(await stores.tokens.consume(user.id, token.digest, ['verify_email', 'change_email'], at(now))).toEqual(token)
  await stores.tokens.revokeForUser(user.id)
  expect(await stores.users.changeEmail(user.id, other.email)).toBe('email_taken')
  const moved = await stores.users.changeEmail(user.id, token.email)
  expect(moved).toEqual({ ...user, email: token.email, emailVerified: true })
  if (moved === null || moved === 'email_taken') throw new Error('the account did not move')
  expect(await stores.users.changeEmail(user.id, token.email)).toEqual(moved)
  expect(await stores.users.update(user.id, { roles: ['admin'] })).toEqual({ ...moved, roles: ['admin'] })
  const rehashed = { ...moved, roles: ['admin'], passwordHash: '$scrypt$rehashed' }
  expect(await stores.users.replacePasswordHash(user.id, user.passwordHash, rehashed.passwordHash)).toEqual(rehashed)
  expect(await stores.users.replacePasswordHash(user.id, user.passwordHash, '$scrypt$again')).toBe('changed')
  expect(await stores.users.delete(user.id)).toBe(true)
}

/** Every key under `prefix` on one server. */
async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const out: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
    out.push(...keys)
    cursor = next
  } while (cursor !== '0')
  return out
}

describeRedis('redis keys: TTLs', 'any', () => {
  const redis = useSingleRedis()

  it('gives every session, index, tombstone, rate-limit and token key a TTL; accounts have none', async () => {
    const { client } = redis()
    const prefix = testPrefix()
    const stores = createRedisStores(client, { prefix })
    const { app } = await makeTestApp({ stores })
    const browser = new TestClient(app)
    await browser.signUp('ttl@example.com')
    const live = new TestClient(app)
    await live.request('/login', { method: 'POST', json: { email: 'ttl@example.com', password: 'wrong password!' } })
    await live.request('/login', { method: 'POST', json: { email: 'ttl@example.com', password: PASSWORD } })
    await browser.request('/logout', { method: 'POST' })
    // A pending token expiring in 24 hours, and an address change (which counts the move).
    const user = await stores.users.findByEmail('ttl@example.com' as Email)
    if (!user) throw new Error('the account was not registered')
    await stores.tokens.issue(aToken(user.id, 'verify_email', Date.now(), { expiresAt: at(Date.now() + DAY) }))
    await stores.users.changeEmail(user.id, 'ttl-moved@example.com' as Email)

    const seen = new Map<string, number[]>()
    for (const key of await keysUnder(client, prefix)) {
      const kind = key.slice(prefix.length).replace(/\{.*\}/, '{}')
      seen.set(kind, [...(seen.get(kind) ?? []), await client.pttl(key)])
    }
    expect([...seen.keys()].sort()).toEqual([
      'email:{}',
      'rate:{}',
      'sess:{}',
      'user:{}:email',
      'user:{}:moves',
      'user:{}:sessions',
      'user:{}:token:verify_email',
    ])
    expect(seen.get('email:{}')).toEqual([-1])
    expect(seen.get('user:{}:email')).toEqual([-1])
    expect(seen.get('user:{}:moves')).toEqual([-1])
    const [token] = seen.get('user:{}:token:verify_email') ?? []
    expect(token).toBeGreaterThan(DAY - 60_000)
    expect(token).toBeLessThanOrEqual(DAY)
    // ip:register, ip:login; the failure counter was reset by the good login.
    expect(seen.get('rate:{}')).toHaveLength(2)
    for (const ttl of seen.get('rate:{}') ?? []) expect(ttl).toBeGreaterThan(0)
    for (const ttl of seen.get('rate:{}') ?? []) expect(ttl).toBeLessThanOrEqual(60_000)
    // One live session (30 days) and one tombstone (an hour).
    const sessions = (seen.get('sess:{}') ?? []).sort((a, b) => a - b)
    expect(sessions).toHaveLength(2)
    expect(sessions[0]).toBeGreaterThan(0)
    expect(sessions[0]).toBeLessThanOrEqual(3_600_000)
    expect(sessions[1]).toBeGreaterThan(29 * DAY)
    expect(sessions[1]).toBeLessThanOrEqual(30 * DAY)
    const [index] = seen.get('user:{}:sessions') ?? []
    expect(index).toBeGreaterThan(89 * DAY)
    expect(index).toBeLessThanOrEqual(90 * DAY)
  })
})

/** MONITOR on one server: the raw lines it prints. */
async function monitor(port: number): Promise<{ lines: string[]; stop: () => void }> {
  const socket = connect({ host: '127.0.0.1', port })
  const lines: string[] = []
  let buffer = ''
  socket.on('data', (chunk) => {
    buffer += chunk.toString()
    const parts = buffer.split('\r\n')
    buffer = parts.pop() ?? ''
    lines.push(...parts)
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.once('connect', () => socket.write('MONITOR\r\n', () => resolve()))
  })
  await waitFor(async () => lines.includes('+OK'), `MONITOR on ${port}`)
  return { lines, stop: () => socket.destroy() }
}

/** `+1712.34 [0 127.0.0.1:5000] "evalsha" "abc" "1" "k"` -> { lua: false, args: ['evalsha', 'abc', '1', 'k'] } */
function parseLine(line: string): { lua: boolean; args: string[] } | null {
  const m = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$/.exec(line)
  if (!m) return null
  const args = [...(m[2] ?? '').matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((a) => (a[1] ?? '').replace(/\\(.)/g, '$1'))
  return { lua: m[1] === 'lua', args }
}

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex')
const scriptBy = new Map<string, ScriptName>(
  Object.entries(SCRIPT_SOURCES).flatMap(([name, lua]) => [
    [sha1(lua), name as ScriptName],
    // EVAL prints the source escaped (a newline as \n), which parseLine reads back as a plain n.
    [lua.replace(/\n/g, 'n'), name as ScriptName],
  ]),
)

describeRedis('redis keys: one slot per script (cluster)', 'private', () => {
  const redis = useRedisCluster()

  it('runs every script of a whole flow on keys of a single slot, and touches only its declared keys', async () => {
    const { client, cluster } = redis()
    const monitors = await Promise.all(cluster.servers.map((s) => monitor(s.port)))
    const stores = createRedisStores(client, { prefix: testPrefix() })
    const { app } = await makeTestApp({ stores })
    await everyOperation(new TestClient(app), new TestClient(app), 'slots@example.com')
    await everyAccountOperation(stores)
    // MONITOR streams behind the commands: a marker on each node tells when its stream has caught up.
    await Promise.all(cluster.servers.map((s) => rawCommand(s.port, ['ECHO', 'monitor-end'])))
    for (const m of monitors) await waitFor(async () => m.lines.some((l) => l.includes('"monitor-end"')), 'MONITOR')
    for (const m of monitors) m.stop()

    const calls: Array<{ name: ScriptName | undefined; declared: string[]; touched: string[] }> = []
    for (const m of monitors) {
      let current: (typeof calls)[number] | undefined
      for (const line of m.lines) {
        const parsed = parseLine(line)
        if (!parsed) continue
        const [name = '', ...args] = parsed.args
        const command = name.toLowerCase()
        if (parsed.lua) {
          if (current && command !== 'time' && args[0] !== undefined) current.touched.push(args[0])
          continue
        }
        current = undefined
        if (command !== 'evalsha' && command !== 'eval') continue
        const keyCount = Number(args[1])
        current = { name: scriptBy.get(args[0] ?? ''), declared: args.slice(2, 2 + keyCount), touched: [] }
        calls.push(current)
      }
    }
    expect(new Set(calls.map((c) => c.name))).toEqual(new Set(Object.keys(SCRIPT_SOURCES)))
    const slot = async (key: string) => rawCommand(cluster.servers[0]?.port ?? 0, ['CLUSTER', 'KEYSLOT', key])
    for (const call of calls) {
      expect(call.declared.length).toBeGreaterThan(0)
      expect(call.touched.length, `${call.name} touched no key`).toBeGreaterThan(0)
      for (const key of call.touched) expect(call.declared).toContain(key)
      const slots = new Set(await Promise.all([...call.declared, ...call.touched].map(slot)))
      expect(slots.size, `${call.name}: ${call.declared.join(' ')}`).toBe(1)
    }
  })

  it('puts a user id pointer and that user’s session index in one slot', async () => {
    const { cluster } = redis()
    const prefix = testPrefix()
    const port = cluster.servers[0]?.port ?? 0
    const a = await rawCommand(port, ['CLUSTER', 'KEYSLOT', `${prefix}user:{u1}:email`])
    const b = await rawCommand(port, ['CLUSTER', 'KEYSLOT', `${prefix}user:{u1}:sessions`])
    expect(a).toBe(b)
  })
})

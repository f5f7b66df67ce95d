/**
 * How long imported-hash checks stall Node's event loop: `CONCURRENT` wrong-password checks of one
 * hash at once through the service's hasher (as a flood of logins against imported accounts
 * makes them), a 5 ms timer measuring the longest gap. After the reviewer's /tmp/review/lag4.mts.
 *
 *   npx tsx bench/legacy-event-loop.ts      (BENCH_LEGACY_CONCURRENT, default 4)
 */
import { argon2id } from '@noble/hashes/argon2.js'
import bcrypt from 'bcryptjs'
import { createScryptHasher } from '../src/adapters/crypto/scrypt-hasher.js'

const CONCURRENT = Number(process.env.BENCH_LEGACY_CONCURRENT ?? 4)
const salt = new Uint8Array(16).fill(7)
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '')
const argon = (m: number, t: number, p: number) =>
  `$argon2id$v=19$m=${m},t=${t},p=${p}$${b64(salt)}$${b64(argon2id('x', salt, { m, t, p, dkLen: 32 }))}`
const bcryptAt = (cost: number) => bcrypt.hashSync('x', 4).replace('$04$', `$${cost}$`)

const cases: [string, string][] = [
  ['bcrypt cost 12', bcryptAt(12)],
  ['bcrypt cost 13', bcryptAt(13)],
  ['argon2id m=65536,t=1,p=1', argon(65536, 1, 1)],
  ['argon2id m=65536,t=3,p=4', argon(65536, 3, 4)],
]

for (const [label, stored] of cases) {
  const hasher = createScryptHasher() // a fresh one per case: Node's bounds, as src/node.ts builds it
  if (!hasher.accepts(stored)) {
    console.log(`${label}: refused (beyond the bounds)`)
    continue
  }
  let maxStall = 0
  let last = performance.now()
  const timer = setInterval(() => {
    const t = performance.now()
    maxStall = Math.max(maxStall, t - last - 5)
    last = t
  }, 5)
  const t0 = performance.now()
  const outcomes = await Promise.allSettled(
    Array.from({ length: CONCURRENT }, () => hasher.verify(stored, 'wrong password')),
  )
  const ms = performance.now() - t0
  clearInterval(timer)
  const refused = outcomes.filter((o) => o.status === 'rejected').length
  console.log(
    `${label}: ${CONCURRENT} at once, ${CONCURRENT - refused} ran, ${refused} refused 503, ` +
      `${ms.toFixed(0)} ms, longest event-loop stall ${maxStall.toFixed(0)} ms`,
  )
}

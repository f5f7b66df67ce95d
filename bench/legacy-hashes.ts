/**
 * How long one login's verification of an imported hash takes on Node, through the hasher's own
 * path (a slot, the lazy-loaded library, the constant-time compare), next to the service's scrypt.
 * The first run of each is reported apart (a warm-up). Event-loop stalls: bench/legacy-event-loop.ts.
 *
 *   npx tsx bench/legacy-hashes.ts      (BENCH_LEGACY_RUNS, default 5)
 */
import { argon2id } from '@noble/hashes/argon2.js'
import bcrypt from 'bcryptjs'
import { createScryptHasher } from '../src/adapters/crypto/scrypt-hasher.js'

const RUNS = Number(process.env.BENCH_LEGACY_RUNS ?? 5)
const PASSWORD = 'correct horse battery staple'
const salt = new Uint8Array(16).fill(7)
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '')
const argon = (m: number, t: number, p: number) =>
  `$argon2id$v=19$m=${m},t=${t},p=${p}$${b64(salt)}$${b64(argon2id(PASSWORD, salt, { m, t, p, dkLen: 32 }))}`

const hasher = createScryptHasher()
const cases: [string, string][] = [
  ['scrypt ln=14,r=8,p=5 (the service)', await hasher.hash(PASSWORD)],
  ['bcrypt cost 10', bcrypt.hashSync(PASSWORD, 10)],
  ['bcrypt cost 12 (the most allowed)', bcrypt.hashSync(PASSWORD, 12)],
  ['argon2id m=19456,t=2,p=1 (OWASP)', argon(19456, 2, 1)],
  ['argon2id m=32768,t=2,p=1 (the most work allowed)', argon(32768, 2, 1)],
  ['argon2id m=65536,t=1,p=4 (the most memory and work allowed)', argon(65536, 1, 4)],
]

for (const [label, stored] of cases) {
  const times: number[] = []
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now()
    if (!(await hasher.verify(stored, PASSWORD))) throw new Error(`${label} did not verify`)
    times.push(performance.now() - t0)
  }
  const [first, ...rest] = times
  rest.sort((a, b) => a - b)
  const median = rest[Math.floor(rest.length / 2)] ?? Number.NaN
  console.log(`${label}: median ${median.toFixed(0)} ms of ${rest.length}, first ${first?.toFixed(0)} ms`)
}

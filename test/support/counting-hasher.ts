import type { PasswordHasher } from '../../src/application/ports.js'

/** A hasher that records what it is asked to do: in order (`runs`) and counted (`calls`). */
export interface CountingHasher extends PasswordHasher {
  readonly runs: string[]
  readonly calls: { hash: number; verify: number; verifyDummy: number }
}

export function countingHasher(inner: PasswordHasher): CountingHasher {
  const runs: string[] = []
  const calls = { hash: 0, verify: 0, verifyDummy: 0 }
  const record = (what: keyof typeof calls) => {
    runs.push(what)
    calls[what]++
  }
  return {
    runs,
    calls,
    hash(p) {
      record('hash')
      return inner.hash(p)
    },
    verify(s, p) {
      record('verify')
      return inner.verify(s, p)
    },
    verifyDummy(p) {
      record('verifyDummy')
      return inner.verifyDummy(p)
    },
    needsRehash: (s) => inner.needsRehash(s),
  }
}

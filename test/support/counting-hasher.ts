import type { HasherLease, PasswordHasher } from '../../src/application/ports.js'

/**
 * A hasher that records what it is asked to do: derivations in order (`runs`) and counted
 * (`calls`), whether asked of the hasher or of a lease it handed out; `calls.reserve` counts leases.
 */
export interface CountingHasher extends PasswordHasher {
  readonly runs: string[]
  readonly calls: { hash: number; verify: number; verifyDummy: number; reserve: number }
}

// The lease's shape: the hasher's own `verify` takes no `asTyped`, and ignores one passed.
type Derivations = Pick<HasherLease, 'hash' | 'verify' | 'verifyDummy'>

export function countingHasher(inner: PasswordHasher): CountingHasher {
  const runs: string[] = []
  const calls = { hash: 0, verify: 0, verifyDummy: 0, reserve: 0 }
  const record = (what: 'hash' | 'verify' | 'verifyDummy') => {
    runs.push(what)
    calls[what]++
  }
  /** The three derivations of `target` (the hasher or a lease), each recorded before it runs. */
  const counted = (target: Derivations): Derivations => ({
    hash(p) {
      record('hash')
      return target.hash(p)
    },
    verify(s, p, asTyped) {
      record('verify')
      return target.verify(s, p, asTyped)
    },
    verifyDummy(p) {
      record('verifyDummy')
      return target.verifyDummy(p)
    },
  })
  return {
    runs,
    calls,
    ...counted(inner),
    needsRehash: (s) => inner.needsRehash(s),
    accepts: (s) => inner.accepts(s),
    async reserve(): Promise<HasherLease> {
      const lease = await inner.reserve()
      calls.reserve++
      return { ...counted(lease), release: () => lease.release() }
    },
  }
}

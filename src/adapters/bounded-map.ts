/**
 * What a full map does with a new key: `evict-oldest` makes room (caches: losing an entry costs a
 * recomputation), `refuse` keeps every live entry and does not store it (state that must not be
 * pushed out, such as a lockout counter: the caller answers 503).
 */
export type WhenFull = 'evict-oldest' | 'refuse'

/** A full `refuse` map looks at every entry for expired ones at most this often (ms of `now`). */
const FULL_SWEEP_EVERY = 1000

/**
 * A Map with a size bound and per-entry expiry, for the memory store and the verified-token
 * cache. Expired entries vanish on read and are swept in slices on write; past the bound the
 * oldest inserted go first (Map keeps insertion order), or in `refuse` mode a new key is refused.
 */
export class BoundedExpiringMap<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>()
  private sweepCursor: IterableIterator<K> | undefined
  private lastFullSweep = Number.NEGATIVE_INFINITY

  constructor(
    private readonly maxEntries: number,
    private readonly onEvict: (key: K, value: V) => void = () => {},
    private readonly whenFull: WhenFull = 'evict-oldest',
  ) {}

  get size(): number {
    return this.entries.size
  }

  get(key: K, now: number): V | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= now) {
      this.delete(key)
      return undefined
    }
    return entry.value
  }

  /** Stores the entry; false (nothing stored) only in `refuse` mode, for a new key when full of live ones. */
  set(key: K, value: V, expiresAt: number, now: number): boolean {
    const replacing = this.entries.delete(key)
    if (!replacing && this.whenFull === 'refuse' && !this.makeRoom(now)) return false
    this.entries.set(key, { value, expiresAt })
    this.sweep(now, 8)
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as K
      this.delete(oldest)
    }
    return true
  }

  delete(key: K): V | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    this.entries.delete(key)
    this.onEvict(key, entry.value)
    return entry.value
  }

  /**
   * Room for one more without evicting a live entry: a slice sweep, then (at most once per
   * FULL_SWEEP_EVERY, so a flood cannot make every write walk the whole map) a sweep of all.
   */
  private makeRoom(now: number): boolean {
    if (this.entries.size < this.maxEntries) return true
    this.sweep(now, 8)
    if (this.entries.size < this.maxEntries) return true
    if (now - this.lastFullSweep < FULL_SWEEP_EVERY) return false
    this.lastFullSweep = now
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.delete(key)
    return this.entries.size < this.maxEntries
  }

  /** Looks at up to `budget` entries, resuming where the last sweep stopped, and drops expired ones. */
  private sweep(now: number, budget: number): void {
    for (let i = 0; i < budget; i++) {
      this.sweepCursor ??= this.entries.keys()
      const next = this.sweepCursor.next()
      if (next.done) {
        this.sweepCursor = undefined
        return
      }
      const entry = this.entries.get(next.value)
      if (entry && entry.expiresAt <= now) this.delete(next.value)
    }
  }
}

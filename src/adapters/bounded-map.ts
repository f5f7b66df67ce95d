/**
 * A Map with a size bound and per-entry expiry, for the memory store and the verified-token
 * cache. Expired entries vanish on read and are swept in slices on write; past the bound the
 * oldest inserted go first (Map keeps insertion order).
 */
export class BoundedExpiringMap<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>()
  private sweepCursor: IterableIterator<K> | undefined

  constructor(
    private readonly maxEntries: number,
    private readonly onEvict: (key: K, value: V) => void = () => {},
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

  set(key: K, value: V, expiresAt: number, now: number): void {
    this.entries.delete(key)
    this.entries.set(key, { value, expiresAt })
    this.sweep(now, 8)
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as K
      this.delete(oldest)
    }
  }

  delete(key: K): V | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    this.entries.delete(key)
    this.onEvict(key, entry.value)
    return entry.value
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

/**
 * Token strings whose signature and claims have been verified, with what they said, until they
 * expire. Bounded: past `max` entries the oldest inserted goes. Only the exact string verified is
 * ever found, so a tampered token always misses and takes the full check.
 */
export class VerifiedTokenCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>()

  constructor(private readonly max: number) {}

  get(token: string, now: number): T | undefined {
    const hit = this.entries.get(token)
    if (!hit) return undefined
    if (hit.until <= now) {
      this.entries.delete(token)
      return undefined
    }
    return hit.value
  }

  set(token: string, value: T, until: number, now: number): void {
    if (this.max <= 0 || until <= now) return
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    this.entries.set(token, { value, until })
  }
}

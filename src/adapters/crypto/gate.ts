/**
 * A counting semaphore with a bounded queue: at most `concurrency` tasks run, at most `queue`
 * wait, and a task beyond both is refused at once with `overflow()`.
 */
export function createGate(concurrency: number, queue: number, overflow: () => Error) {
  let active = 0
  const waiting: Array<() => void> = []

  const release = (): void => {
    const next = waiting.shift()
    if (next) next()
    else active--
  }

  /** Takes a slot (waiting in the queue if need be); resolves with its release, which is idempotent. */
  const acquire = async (): Promise<() => void> => {
    if (active < concurrency) active++
    else if (waiting.length < queue) await new Promise<void>((resolve) => waiting.push(resolve))
    else throw overflow()
    let held = true
    return () => {
      if (held) {
        held = false
        release()
      }
    }
  }

  return {
    acquire,
    async run<T>(task: () => Promise<T>): Promise<T> {
      const done = await acquire()
      try {
        return await task()
      } finally {
        done()
      }
    },
  }
}

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

  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (active < concurrency) active++
      else if (waiting.length < queue) await new Promise<void>((resolve) => waiting.push(resolve))
      else throw overflow()
      try {
        return await task()
      } finally {
        release()
      }
    },
  }
}

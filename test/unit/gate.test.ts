import { describe, expect, it } from 'vitest'
import { createGate } from '../../src/adapters/crypto/gate.js'

/** A task the test finishes by hand. */
function deferred<T = void>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve))
const overflow = () => new Error('full')

describe('createGate', () => {
  it('runs at most `concurrency` tasks, queues up to `queue`, refuses the rest at once', async () => {
    const gate = createGate(2, 1, overflow)
    const started: number[] = []
    const tasks = [deferred<number>(), deferred<number>(), deferred<number>()]
    const runs = tasks.map((t, i) =>
      gate.run(() => {
        started.push(i)
        return t.promise
      }),
    )
    await flush()
    expect(started).toEqual([0, 1])
    await expect(gate.run(async () => 99)).rejects.toThrow('full')

    tasks[0]?.resolve(0)
    expect(await runs[0]).toBe(0)
    await flush()
    expect(started).toEqual([0, 1, 2])
    tasks[1]?.resolve(1)
    tasks[2]?.resolve(2)
    expect(await Promise.all(runs)).toEqual([0, 1, 2])
    expect(await gate.run(async () => 'free again')).toBe('free again')
  })

  it('starts queued tasks in arrival order', async () => {
    const gate = createGate(1, 3, overflow)
    const order: string[] = []
    const first = deferred()
    const runs = [
      gate.run(async () => {
        order.push('a')
        await first.promise
      }),
      gate.run(async () => {
        order.push('b')
      }),
      gate.run(async () => {
        order.push('c')
      }),
    ]
    await flush()
    expect(order).toEqual(['a'])
    first.resolve()
    await Promise.all(runs)
    expect(order).toEqual(['a', 'b', 'c'])
  })

  it('frees the slot when a task throws', async () => {
    const gate = createGate(1, 0, overflow)
    await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(await gate.run(async () => 'ok')).toBe('ok')
    const held = deferred()
    const running = gate.run(() => held.promise)
    await expect(gate.run(async () => 'no room')).rejects.toThrow('full')
    held.resolve()
    await running
  })

  it('hands out a slot to hold across awaits with acquire; its release is idempotent', async () => {
    const gate = createGate(1, 1, overflow)
    const release = await gate.acquire()
    const queued = gate.acquire()
    await expect(gate.acquire()).rejects.toThrow('full')
    release()
    release() // a second call must not free the slot the queued caller now holds
    const second = await queued
    const third = gate.acquire() // waits: the slot is still held
    await expect(gate.acquire()).rejects.toThrow('full')
    second()
    ;(await third)()
    expect(await gate.run(async () => 'free')).toBe('free')
  })

  it('keeps its count right over many tasks', async () => {
    const gate = createGate(3, 100, overflow)
    let active = 0
    let peak = 0
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        gate
          .run(async () => {
            active++
            peak = Math.max(peak, active)
            await new Promise<void>((resolve) => setImmediate(resolve))
            if (i % 7 === 0) {
              active--
              throw new Error('task failed')
            }
            active--
          })
          .catch(() => {}),
      ),
    )
    expect(peak).toBe(3)
    const held = [deferred(), deferred(), deferred()]
    const running = held.map((d) => gate.run(() => d.promise))
    const waiting = gate.run(async () => 'queued')
    for (const d of held) d.resolve()
    await Promise.all(running)
    expect(await waiting).toBe('queued')
  })
})

import { Writable } from 'node:stream'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { stdioSink } from '../../src/adapters/stdio-sink.js'

/** A stream that records each write it is given. */
function recorder(name: string, writes: string[]) {
  return new Writable({
    write(chunk, _encoding, done) {
      writes.push(`${name}:${String(chunk)}`)
      done()
    },
  })
}

describe('stdioSink', () => {
  it('writes the lines of one turn together, warn and error to standard error, in order', async () => {
    const writes: string[] = []
    const sink = stdioSink({ out: recorder('out', writes), err: recorder('err', writes) })
    sink('{"n":1}', 'info')
    sink('{"n":2}', 'debug')
    sink('{"n":3}', 'warn')
    sink('{"n":4}', 'error')
    sink('{"n":5}', 'info')
    expect(writes).toEqual([])
    await nextTurn()
    expect(writes).toEqual(['out:{"n":1}\n{"n":2}\n', 'err:{"n":3}\n{"n":4}\n', 'out:{"n":5}\n'])
  })

  it('starts a new batch on the next turn', async () => {
    const writes: string[] = []
    const sink = stdioSink({ out: recorder('out', writes), err: recorder('err', writes) })
    sink('a', 'info')
    await nextTurn()
    sink('b', 'info')
    sink('c', 'info')
    await nextTurn()
    expect(writes).toEqual(['out:a\n', 'out:b\nc\n'])
  })
})

import { describe, expect, it } from 'vitest'
import { textLines } from '../../src/adapters/text-lines.js'

const bytes = (...chunks: (string | number[])[]) =>
  (async function* () {
    for (const c of chunks) yield typeof c === 'string' ? new TextEncoder().encode(c) : new Uint8Array(c)
  })()

const all = async (it: AsyncIterable<string>) => {
  const out: string[] = []
  for await (const line of it) out.push(line)
  return out
}

describe('textLines', () => {
  it('splits on newlines across chunks, keeps CR and blank lines, and yields a last line without newline', async () => {
    expect(await all(textLines(bytes('a\r\nb', 'c\n\n', 'd'), 100))).toEqual(['a\r', 'bc', '', 'd'])
    expect(await all(textLines(bytes('a\n'), 100))).toEqual(['a'])
    expect(await all(textLines(bytes(), 100))).toEqual([])
  })

  it('decodes a character split between chunks, and reads bytes that are not UTF-8 as U+FFFD', async () => {
    const e = [...new TextEncoder().encode('é')]
    expect(await all(textLines(bytes([0x61, e[0] as number], [e[1] as number, 0x0a]), 100))).toEqual(['aé'])
    expect(await all(textLines(bytes([0x61, 0xff, 0x0a]), 100))).toEqual(['a\uFFFD'])
  })

  it('cuts a line longer than the limit to one more character, and goes on with the next', async () => {
    const long = 'x'.repeat(50)
    expect(await all(textLines(bytes(long.slice(0, 7), long.slice(7), '\nok\n'), 10))).toEqual(['x'.repeat(11), 'ok'])
    expect(await all(textLines(bytes('x'.repeat(10), '\n'), 10))).toEqual(['x'.repeat(10)])
  })
})

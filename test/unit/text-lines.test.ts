import bcrypt from 'bcryptjs'
import { describe, expect, it } from 'vitest'
import { createMemoryStores } from '../../src/adapters/stores/memory/index.js'
import { textLines } from '../../src/adapters/text-lines.js'
import { IMPORT_LINE_MAX } from '../../src/application/import-line.js'
import type { Email } from '../../src/domain/email.js'
import { importUsers } from '../../src/import-users.js'

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

  it('cuts a line longer than the limit to three more characters, and goes on with the next', async () => {
    const long = 'x'.repeat(50)
    expect(await all(textLines(bytes(long.slice(0, 7), long.slice(7), '\nok\n'), 10))).toEqual(['x'.repeat(13), 'ok'])
    expect(await all(textLines(bytes('x'.repeat(10), '\n'), 10))).toEqual(['x'.repeat(10)])
  })

  it('keeps a cut line too long once its reader drops a BOM before it and a CR after it', async () => {
    const dropped = (line: string) => line.replace(/^\uFEFF/, '').replace(/\r$/, '')
    // A CR, or a U+FEFF the decoder leaves (a second one), where the cut would fall.
    for (const line of [`${'x'.repeat(10)}\r${'y'.repeat(40)}`, `\uFEFF\uFEFF${'x'.repeat(10)}\r${'y'.repeat(9)}`]) {
      const [cut] = await all(textLines(bytes(`${line}\n`), 10))
      expect(dropped(cut as string).length, JSON.stringify(line)).toBeGreaterThan(10)
    }
    // A line of exactly the limit with a CRLF end and a BOM is kept whole.
    expect(await all(textLines(bytes(`\uFEFF${'x'.repeat(10)}\r\n`), 10))).toEqual([`${'x'.repeat(10)}\r`])
  })

  it('lets importUsers report an over-long line as too long when a CR falls just past the limit', async () => {
    const record = JSON.stringify({ email: 'a@example.com', passwordHash: bcrypt.hashSync('correct horse', 4) })
    // Valid JSON padded to the limit, a CR, then what the cut would hide.
    const line = `${record.padEnd(IMPORT_LINE_MAX, ' ')}\r,"roles":["admin"]}${'x'.repeat(1000)}`
    const stores = createMemoryStores()
    const report = await importUsers(stores, textLines(bytes(`${line}\n`), IMPORT_LINE_MAX))
    expect(report).toEqual({
      imported: 0,
      skipped: [{ line: 1, reason: `line is longer than ${IMPORT_LINE_MAX} characters` }],
    })
    expect(await stores.users.findByEmail('a@example.com' as Email)).toBeNull()
  })
})

/**
 * What a cut line keeps beyond `max`: its reader may drop a byte-order mark before it and a `\r`
 * after it (`importUsers` does) and must still find it longer than `max`, whatever it holds.
 */
export const CUT_MARGIN = 3

/**
 * The lines of a UTF-8 byte stream (`\n` ends one; a `\r` before it stays for the reader to
 * drop), read as they arrive. A line longer than `max` UTF-16 units is not kept whole: it is cut
 * to `max + CUT_MARGIN`, enough for its reader to see that it is too long even once it has dropped
 * a BOM and a CR, so no line can fill memory, and none passes for a shorter one. Bytes that are
 * not UTF-8 read as U+FFFD.
 */
export async function* textLines(bytes: AsyncIterable<Uint8Array>, max: number): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8')
  const keep = max + CUT_MARGIN
  let line = ''
  const take = (text: string): void => {
    if (line.length < keep) line += text.slice(0, keep - line.length)
  }
  for await (const chunk of bytes) {
    const parts = decoder.decode(chunk, { stream: true }).split('\n')
    for (let i = 0; i < parts.length - 1; i++) {
      take(parts[i] as string)
      yield line
      line = ''
    }
    take(parts.at(-1) as string)
  }
  take(decoder.decode())
  if (line !== '') yield line
}

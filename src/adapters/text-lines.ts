/**
 * The lines of a UTF-8 byte stream (`\n` ends one; a `\r` before it stays for the reader to
 * drop), read as they arrive. A line longer than `max` UTF-16 units is not kept whole: it is cut
 * to `max + 1`, enough for its reader to see that it is too long, so no line can fill memory.
 * Bytes that are not UTF-8 read as U+FFFD.
 */
export async function* textLines(bytes: AsyncIterable<Uint8Array>, max: number): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8')
  let line = ''
  const take = (text: string): void => {
    if (line.length <= max) line += text.slice(0, max + 1 - line.length)
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

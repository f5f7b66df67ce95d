import type { LogLevel, LogSink } from './log.js'

/**
 * Log lines to Node's standard streams (warn and error to standard error, the rest to standard
 * output), the lines of one turn of the event loop written together: under load one write carries
 * the access lines of many requests. Measured per line: 5.1 µs through `console.log`, 3.5 µs
 * through `process.stdout.write`, 1.9 µs batched, of which formatting the line is 1.6 µs. What is
 * pending is written on `exit` (synchronously, as Node writes pipes and files), so `process.exit`
 * loses no line.
 */
export function stdioSink(
  streams: { readonly out: NodeJS.WritableStream; readonly err: NodeJS.WritableStream } = {
    out: process.stdout,
    err: process.stderr,
  },
): LogSink {
  // In order, consecutive lines for one stream joined: a warning written before `listening` is
  // still read before it on a terminal that shows both streams.
  let chunks: { toErr: boolean; text: string }[] = []
  let scheduled = false
  const flush = (): void => {
    scheduled = false
    const pending = chunks
    chunks = []
    for (const { toErr, text } of pending) (toErr ? streams.err : streams.out).write(text)
  }
  process.on('exit', flush)
  return (line: string, level: LogLevel) => {
    const toErr = level === 'warn' || level === 'error'
    const last = chunks.at(-1)
    if (last?.toErr === toErr) last.text += `${line}\n`
    else chunks.push({ toErr, text: `${line}\n` })
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
}

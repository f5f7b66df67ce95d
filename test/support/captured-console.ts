import { onTestFailed, onTestFinished, vi } from 'vitest'

const METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const
type Method = (typeof METHODS)[number]

/** One captured console call: which method, and its arguments as one line of text. */
export interface ConsoleLine {
  readonly method: Method
  readonly text: string
}

/** What `captureConsole` collected so far, in order. */
export interface CapturedConsole {
  readonly lines: ConsoleLine[]
  /** Every line of `method`s (all methods when none are named), text only. */
  texts(...methods: Method[]): string[]
  /** The lines that parse as JSON objects (the service's log lines), in order. */
  json(): Record<string, unknown>[]
}

const asText = (args: unknown[]): string =>
  args
    .map((a) => (typeof a === 'string' ? a : a instanceof Error ? `${a.name}: ${a.message}` : JSON.stringify(a)))
    .join(' ')

/**
 * Keeps console output (the service's JSON log lines, expected warnings) from the reporter for the
 * rest of the current test, so a test can assert on it; replays it only if the test fails.
 * Web APIs only: the same helper works inside workerd. Call it inside a test.
 */
export function captureConsole(): CapturedConsole {
  const lines: ConsoleLine[] = []
  const original = Object.fromEntries(METHODS.map((m) => [m, console[m]])) as Record<Method, (...a: unknown[]) => void>
  const spies = METHODS.map((method) =>
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push({ method, text: asText(args) })
    }),
  )
  onTestFailed(() => {
    for (const { method, text } of lines) original[method](`[captured console.${method}] ${text}`)
  })
  onTestFinished(() => {
    for (const spy of spies) spy.mockRestore()
  })
  return {
    lines,
    texts: (...methods) => lines.filter((l) => methods.length === 0 || methods.includes(l.method)).map((l) => l.text),
    json: () =>
      lines.flatMap(({ text }) => {
        try {
          const value: unknown = JSON.parse(text)
          return typeof value === 'object' && value !== null && !Array.isArray(value)
            ? [value as Record<string, unknown>]
            : []
        } catch {
          return []
        }
      }),
  }
}

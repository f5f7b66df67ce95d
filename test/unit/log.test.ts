import { describe, expect, it } from 'vitest'
import { consoleSink, createLog, isLog, type LogLevel, logFor, silentLog } from '../../src/adapters/log.js'
import { captureConsole } from '../support/captured-console.js'

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/** A log at `level` whose lines are kept with the level they were written at. */
function kept(level?: LogLevel) {
  const lines: { line: Record<string, unknown>; level: LogLevel }[] = []
  const log = createLog({
    ...(level && { level }),
    sink: (line, l) => lines.push({ line: JSON.parse(line) as Record<string, unknown>, level: l }),
  })
  return { log, lines, written: () => lines.map((l) => l.line) }
}

/** One of each kind of line, at every level. */
function writeOneOfEach(log: ReturnType<typeof createLog>) {
  log.line('debug', 'a detail')
  log.line('info', 'listening', { port: 3000 })
  log.line('warn', 'redis not reachable yet')
  log.line('error', 'failed to start', { cause: 'port 3000 is already in use' })
  log.event('login_success', { userId: 'u', ip: '192.0.2.1' })
  log.event('login_failure', { userId: null, ip: '192.0.2.1' })
  log.event('store_unavailable', { path: '/login' })
  log.access({ method: 'GET', path: '/health', status: 200, durationMs: 0.4, requestId: 'r-1' })
}

describe('createLog', () => {
  it('writes every line as one JSON object that starts with time and level', () => {
    const { log, written } = kept('debug')
    writeOneOfEach(log)
    expect(written()).toHaveLength(8)
    for (const line of written()) {
      expect(Object.keys(line).slice(0, 2)).toEqual(['time', 'level'])
      expect(line.time).toMatch(ISO_TIME)
    }
    expect(written()[1]).toEqual({ time: expect.any(String), level: 'info', msg: 'listening', port: 3000 })
    expect(written()[4]).toEqual({
      time: expect.any(String),
      level: 'info',
      type: 'security',
      event: 'login_success',
      userId: 'u',
      ip: '192.0.2.1',
    })
    expect(written()[7]).toEqual({
      time: expect.any(String),
      level: 'info',
      type: 'access',
      method: 'GET',
      path: '/health',
      status: 200,
      durationMs: 0.4,
      requestId: 'r-1',
    })
  })

  it('gives security events a level by what they may mean: routine info, suspicious warn, outage error', () => {
    const { log, written } = kept()
    for (const name of ['register', 'refresh', 'refresh_reused', 'csrf_rejected', 'store_unavailable'] as const) {
      log.event(name, {})
    }
    expect(written().map((l) => [l.event, l.level])).toEqual([
      ['register', 'info'],
      ['refresh', 'info'],
      ['refresh_reused', 'warn'],
      ['csrf_rejected', 'warn'],
      ['store_unavailable', 'error'],
    ])
  })

  it.each([
    ['debug', 8],
    ['info', 7],
    ['warn', 4],
    ['error', 2],
  ] as const)('writes only lines at or above LOG_LEVEL=%s', (level, count) => {
    const { log, lines } = kept(level)
    writeOneOfEach(log)
    expect(lines).toHaveLength(count)
    expect(lines.every((l) => l.line.level === l.level)).toBe(true)
    expect(lines.some((l) => l.line.type === 'access')).toBe(level === 'debug' || level === 'info')
    expect(log.enabled('info')).toBe(level === 'debug' || level === 'info')
  })

  it('defaults to info on the console: debug and info to console.log, warn and error to their own', () => {
    const logged = captureConsole()
    writeOneOfEach(createLog())
    expect(logged.lines.map((l) => [l.method, JSON.parse(l.text).level])).toEqual([
      ['log', 'info'],
      ['warn', 'warn'],
      ['error', 'error'],
      ['log', 'info'],
      ['warn', 'warn'],
      ['error', 'error'],
      ['log', 'info'],
    ])
    consoleSink('{"level":"debug"}', 'debug')
    expect(logged.lines.at(-1)?.method).toBe('log')
  })
})

describe('silentLog and logFor', () => {
  it('silentLog writes nothing and has no level on', () => {
    const logged = captureConsole()
    writeOneOfEach(silentLog)
    expect(logged.lines).toEqual([])
    expect(silentLog.enabled('error')).toBe(false)
  })

  it('tells a whole Log from a bare SecurityLog, and gives the console one for the latter', () => {
    const bare = { event() {} }
    const { log } = kept()
    expect(isLog(log)).toBe(true)
    expect(isLog(bare)).toBe(false)
    expect(logFor(log)).toBe(log)
    expect(isLog(logFor(bare))).toBe(true)
    expect(logFor(undefined).level).toBe('info')
  })
})

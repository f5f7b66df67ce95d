import type { SecurityLog } from '../application/ports.js'

/** Security events as one JSON line each on standard output. */
export const jsonLog = (write: (line: string) => void = (line) => console.log(line)): SecurityLog => ({
  event(name, fields) {
    write(JSON.stringify({ time: new Date().toISOString(), level: 'info', type: 'security', event: name, ...fields }))
  },
})

/** Discards events: for benchmarks. */
export const silentLog: SecurityLog = { event() {} }

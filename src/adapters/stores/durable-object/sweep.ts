import { EXPIRY, TABLES, type Table } from './rows.js'

/**
 * The cleanup an `AuthStoreObject` runs on its alarm, inside one synchronous transaction: deletes
 * every expired row of the tables this object has, and tells how many rows are left and when the
 * next one expires (`Infinity` when none will), so the caller can reschedule or delete the object.
 */
export function sweepExpired(sql: SqlStorage, now: number): { remaining: number; next: number } {
  const names = Object.keys(TABLES)
  const present = sql
    .exec(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (${names.map(() => '?').join(',')})`,
      ...names,
    )
    .toArray()
    .map((r) => String(r.name) as Table)
  let remaining = 0
  let next = Number.POSITIVE_INFINITY
  for (const table of present) {
    const expiry = EXPIRY[table]
    if (expiry) sql.exec(`DELETE FROM ${table} WHERE ${expiry.expired}`, now)
    remaining += Number(sql.exec(`SELECT COUNT(*) AS n FROM ${table}`).one().n)
    const soonest = expiry ? sql.exec(`SELECT MIN(${expiry.at}) AS t FROM ${table}`).one().t : null
    if (soonest !== null && soonest !== undefined) next = Math.min(next, Number(soonest))
  }
  return { remaining, next }
}

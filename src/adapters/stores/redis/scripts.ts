import * as lua from './lua.js'

/**
 * The smallest client the Redis stores need: an ioredis `Redis` or `Cluster` (v6) satisfies it.
 * Scripts go through `defineCommand`, so they run by EVALSHA and ioredis reloads them by itself
 * after a NOSCRIPT (a restart, a failover, `SCRIPT FLUSH`).
 */
export interface RedisLike {
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number; readOnly?: boolean }): void
  hgetall(key: string): Promise<Record<string, string>>
  get(key: string): Promise<string | null>
  del(...keys: string[]): Promise<number>
  zrem(key: string, ...members: string[]): Promise<number>
  ping(): Promise<string>
  /** A Cluster's node clients: health pings every master, since one dead master takes its slots down. */
  nodes?(role: 'master'): Array<{ ping(): Promise<string> }>
}

const DEFINITIONS = {
  createSession: { lua: lua.CREATE_SESSION, readOnly: false },
  indexSession: { lua: lua.INDEX_SESSION, readOnly: false },
  readIndex: { lua: lua.READ_INDEX, readOnly: true },
  rotate: { lua: lua.ROTATE, readOnly: false },
  revoke: { lua: lua.REVOKE, readOnly: false },
  createUser: { lua: lua.CREATE_USER, readOnly: false },
  claimUserId: { lua: lua.CLAIM_USER_ID, readOnly: false },
  updateUser: { lua: lua.UPDATE_USER, readOnly: false },
  rateHit: { lua: lua.RATE_HIT, readOnly: false },
} as const

/** The Lua scripts these stores define, one per compound operation. */
export type ScriptName = keyof typeof DEFINITIONS

/** A Lua reply as ioredis hands it over: strings, integers, nil and nested arrays. */
export type Reply = string | number | null | Reply[]

/** Runs one script on one key; every script of these stores takes exactly one. */
export type RunScript = (name: ScriptName, key: string, args: ReadonlyArray<string | number>) => Promise<Reply>

// Command names carry a prefix so they cannot clash with the host application's own scripts.
const commandName = (name: ScriptName): string => `honoAuth${name[0]?.toUpperCase()}${name.slice(1)}`
const defined = new WeakSet<object>()

/** Every script name with its Lua source, for tests and tools that inspect them. */
export const SCRIPT_SOURCES: Readonly<Record<ScriptName, string>> = Object.fromEntries(
  Object.entries(DEFINITIONS).map(([name, d]) => [name, d.lua]),
) as Record<ScriptName, string>

/** Defines the scripts on `client` (once per client) and returns a runner for them. */
export function scriptRunner(client: RedisLike): RunScript {
  if (!defined.has(client)) {
    for (const [name, d] of Object.entries(DEFINITIONS)) {
      client.defineCommand(commandName(name as ScriptName), { lua: d.lua, numberOfKeys: 1, readOnly: d.readOnly })
    }
    defined.add(client)
  }
  const commands = client as unknown as Record<string, (...args: Array<string | number>) => Promise<Reply>>
  return (name, key, args) => {
    const command = commands[commandName(name)]
    if (!command) throw new Error(`Redis script ${name} is not defined`)
    return command.call(client, key, ...args)
  }
}

/** A flat `[field, value, ...]` reply as a record. */
export function pairs(reply: Reply): Record<string, string> {
  if (!Array.isArray(reply)) throw new Error('Redis script: expected a field list')
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1])
  return out
}

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
  /** Only ever with keys of one slot (one hash tag). */
  mget(...keys: string[]): Promise<Array<string | null>>
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
  replacePasswordHash: { lua: lua.REPLACE_PASSWORD_HASH, readOnly: false },
  deleteUser: { lua: lua.DELETE_USER, readOnly: false },
  dropPointer: { lua: lua.DROP_POINTER, readOnly: false },
  beginMove: { lua: lua.BEGIN_MOVE, readOnly: false },
  claimEmail: { lua: lua.CLAIM_EMAIL, readOnly: false },
  decideMove: { lua: lua.DECIDE_MOVE, readOnly: false },
  unmarkMove: { lua: lua.UNMARK_MOVE, readOnly: false },
  dropMove: { lua: lua.DROP_MOVE, readOnly: false },
  issueToken: { lua: lua.ISSUE_TOKEN, readOnly: false },
  consumeToken: { lua: lua.CONSUME_TOKEN, readOnly: false },
  rateHit: { lua: lua.RATE_HIT, readOnly: false },
} as const

/** The Lua scripts these stores define, one per compound operation. */
export type ScriptName = keyof typeof DEFINITIONS

/** A Lua reply as ioredis hands it over: strings, integers, nil and nested arrays. */
export type Reply = string | number | null | Reply[]

/**
 * Runs one script on its keys: one key, or several of one slot (one hash tag), which Redis
 * Cluster accepts in one script.
 */
export type RunScript = (
  name: ScriptName,
  keys: string | readonly string[],
  args: ReadonlyArray<string | number>,
) => Promise<Reply>

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
      // No fixed numberOfKeys: each call passes its key count first (EVALSHA's own form).
      client.defineCommand(commandName(name as ScriptName), { lua: d.lua, readOnly: d.readOnly })
    }
    defined.add(client)
  }
  const commands = client as unknown as Record<string, (...args: Array<string | number>) => Promise<Reply>>
  return (name, keys, args) => {
    const command = commands[commandName(name)]
    if (!command) throw new Error(`Redis script ${name} is not defined`)
    const list = typeof keys === 'string' ? [keys] : keys
    return command.call(client, list.length, ...list, ...args)
  }
}

/** A flat `[field, value, ...]` reply as a record. */
export function pairs(reply: Reply): Record<string, string> {
  if (!Array.isArray(reply)) throw new Error('Redis script: expected a field list')
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1])
  return out
}

/**
 * Lua sources, one per compound operation. Each touches only the KEYS it is given, and those
 * share one hash tag, so it runs in one slot.
 * Instants are milliseconds since the epoch, passed in from the `Clock` port. Redis TIME decides
 * nothing of a session's state: it is only compared with a rotation's deadline (a wall-clock
 * instant set by the adapter, see ROTATE) and stamps a tombstone's informative `revokedAt`.
 * `ms` prints a number without an exponent.
 */

const MS = `local function ms(x) return string.format('%.0f', x) end\n`

/** KEYS: session. ARGV: expiresAt, field, value, ... Writes nothing when the key exists (a retry, or a tombstone). */
export const CREATE_SESSION = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1`

/**
 * KEYS: user's session index. ARGV: sessionId, createdAt, absoluteExpiresAt. The index lives as
 * long as its longest session. Answers how many entries it now holds (the per-user cap's trigger).
 */
export const INDEX_SESSION = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
if redis.call('PEXPIRETIME', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('PEXPIREAT', KEYS[1], ARGV[3])
end
return redis.call('ZCARD', KEYS[1])`

/** KEYS: user's session index. Every entry with its score (createdAt), flat. */
export const READ_INDEX = `return redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')`

/**
 * KEYS: session. ARGV: from, now, graceMs, slidingMs, tombstoneMs, deadline (optional).
 * First, a run past `deadline` (wall-clock ms, on the Redis clock) does nothing and answers
 * {'late', serverMs}: the client has given up on it by then (a stall, a frozen server), so a
 * rotation it never heard of must not count against it. Then mirrors decideRotation in
 * src/domain/session.ts line by line; reused leaves a tombstone.
 */
export const ROTATE = `${MS}
local t = redis.call('TIME')
local serverMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local deadline = tonumber(ARGV[6])
if deadline and serverMs > deadline then return {'late', ms(serverMs)} end
local key = KEYS[1]
local from, now = tonumber(ARGV[1]), tonumber(ARGV[2])
local grace, sliding = tonumber(ARGV[3]), tonumber(ARGV[4])
local s = redis.call('HMGET', key, 'userId', 'generation', 'rotatedAt', 'expiresAt', 'absoluteExpiresAt')
-- if (!session || !isLiveAt(session, now)) -> missing (isLiveAt: expiresAt > now)
if not s[1] or tonumber(s[4]) <= now then return {'missing'} end
local generation = tonumber(s[2])
-- if (from === session.generation) -> rotated, sliding the expiry but never past the absolute one
if from == generation then
  local expiresAt = math.min(now + sliding, tonumber(s[5]))
  redis.call('HSET', key, 'generation', ms(generation + 1), 'rotatedAt', ms(now), 'lastUsedAt', ms(now),
    'expiresAt', ms(expiresAt))
  redis.call('PEXPIREAT', key, ms(expiresAt))
  return {'rotated', redis.call('HGETALL', key)}
end
-- if (from === session.generation - 1 && now - session.rotatedAt <= graceMs) -> grace, nothing changes
if from == generation - 1 and now - tonumber(s[3]) <= grace then
  return {'grace', redis.call('HGETALL', key)}
end
-- otherwise reused: revoke the session
redis.call('DEL', key)
redis.call('HSET', key, 'revokedAt', ms(now))
redis.call('PEXPIRE', key, ARGV[5])
return {'reused', s[1]}`

/**
 * KEYS: session. ARGV: expected owner ('' for any), tombstoneMs. Replaces the session with a
 * tombstone, also when it is absent (a create in flight then writes nothing); answers the owner.
 */
export const REVOKE = `
local owner = redis.call('HGET', KEYS[1], 'userId')
if owner and ARGV[1] ~= '' and owner ~= ARGV[1] then return false end
local t = redis.call('TIME')
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'revokedAt', t[1] .. string.sub(string.format('%06d', tonumber(t[2])), 1, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return owner`

// An account hash with `moveGen` is marked: its account is moving to or from its address
// (account-moves.ts). A script that would change such a hash changes nothing and answers
// {'moving', fields}, so the adapter settles the move first.
const MOVING = `local function moving(key)
  if redis.call('HEXISTS', key, 'moveGen') == 1 then return {'moving', redis.call('HGETALL', key)} end
end
`

/** KEYS: account (by email). ARGV: id, field, value, ... The same id again is a retry and succeeds. */
export const CREATE_USER = `${MOVING}
local existing = redis.call('HGET', KEYS[1], 'id')
if existing == ARGV[1] then return 'created' end
if existing then return moving(KEYS[1]) or 'email_taken' end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 'created'`

/** KEYS: id -> email pointer. ARGV: email. Claims the id; 0 when it points elsewhere already. */
export const CLAIM_USER_ID = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then return 1 end
if current then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1`

/** KEYS: account. ARGV: id, n, n fields to delete, then field, value, ... Answers {'ok', fields}. */
export const UPDATE_USER = `${MOVING}
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return false end
local m = moving(KEYS[1])
if m then return m end
local n = tonumber(ARGV[2])
for i = 3, 2 + n do redis.call('HDEL', KEYS[1], ARGV[i]) end
if #ARGV > 2 + n then redis.call('HSET', KEYS[1], unpack(ARGV, 3 + n)) end
return {'ok', redis.call('HGETALL', KEYS[1])}`

/**
 * KEYS: account. ARGV: id, expected hash, new hash. Sets the new hash only while the stored one is
 * the expected: answers {'ok', fields}, or 'changed' (nothing written).
 */
export const REPLACE_PASSWORD_HASH = `${MOVING}
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return false end
local m = moving(KEYS[1])
if m then return m end
if redis.call('HGET', KEYS[1], 'passwordHash') ~= ARGV[2] then return 'changed' end
redis.call('HSET', KEYS[1], 'passwordHash', ARGV[3])
return {'ok', redis.call('HGETALL', KEYS[1])}`

/** KEYS: account. ARGV: id. Answers 1 when it deleted this id's account, 0 when there is none. */
export const DELETE_USER = `${MOVING}
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
local m = moving(KEYS[1])
if m then return m end
redis.call('DEL', KEYS[1])
return 1`

/** KEYS: id -> email pointer, move count. ARGV: email. Drops both while the pointer names that email. */
export const DROP_POINTER = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1`

/**
 * KEYS: account at the current address. ARGV: id, new address, move count. Marks (freezes) the
 * account as moving there; answers {'ok', fields}.
 */
export const BEGIN_MOVE = `${MOVING}
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return false end
local m = moving(KEYS[1])
if m then return m end
redis.call('HSET', KEYS[1], 'movingTo', ARGV[2], 'moveGen', ARGV[3])
return {'ok', redis.call('HGETALL', KEYS[1])}`

/**
 * KEYS: account at the new address. ARGV: id, old address, move count, field, value, ... Writes
 * the moved record, marked, unless the address holds another account ('taken'). A record of this
 * id already there is kept ('claimed': this move's claim, or one a later decision settles), except
 * a claim of an older move, left behind by a settler that stopped: that one is replaced.
 */
export const CLAIM_EMAIL = `
local holder = redis.call('HGET', KEYS[1], 'id')
if holder and holder ~= ARGV[1] then return 'taken' end
if holder then
  local m = redis.call('HMGET', KEYS[1], 'movedFrom', 'moveGen')
  if not (m[1] and tonumber(m[2]) < tonumber(ARGV[3])) then return 'claimed' end
  redis.call('DEL', KEYS[1])
end
redis.call('HSET', KEYS[1], 'movedFrom', ARGV[2], 'moveGen', ARGV[3], unpack(ARGV, 4))
return 'claimed'`

/**
 * KEYS: id -> email pointer, move count. ARGV: old address, new address, move count, verdict
 * ('commit' | 'abort'). Decides a move once: while the pointer still names the old address at
 * that count, a commit repoints it; either verdict counts the move. Answers {pointer, count}.
 */
export const DECIDE_MOVE = `
local at = redis.call('GET', KEYS[1])
local count = tonumber(redis.call('GET', KEYS[2]) or '0')
if at == ARGV[1] and count == tonumber(ARGV[3]) then
  if ARGV[4] == 'commit' then
    redis.call('SET', KEYS[1], ARGV[2])
    at = ARGV[2]
  end
  count = redis.call('INCR', KEYS[2])
end
return {at or false, count}`

/** KEYS: account. ARGV: id, move count. Unmarks this id's account of that move; answers its fields. */
export const UNMARK_MOVE = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return false end
if redis.call('HGET', KEYS[1], 'moveGen') == ARGV[2] then
  redis.call('HDEL', KEYS[1], 'movingTo', 'movedFrom', 'moveGen')
end
return redis.call('HGETALL', KEYS[1])`

/** KEYS: account. ARGV: id, move count. Deletes this id's account while it is marked with that move. */
export const DROP_MOVE = `
local m = redis.call('HMGET', KEYS[1], 'id', 'moveGen')
if m[1] ~= ARGV[1] or m[2] ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
return 1`

/** KEYS: token. ARGV: expiresAt, field, value, ... Replaces the pending token of its purpose. */
export const ISSUE_TOKEN = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1`

/**
 * KEYS: one user's tokens, one per purpose asked for. ARGV: digest, now. Deletes and answers the
 * first with this digest that is live (isTokenLiveAt in src/domain/account-token.ts: expiresAt >
 * now); touches nothing otherwise.
 */
export const CONSUME_TOKEN = `
for _, key in ipairs(KEYS) do
  local t = redis.call('HMGET', key, 'digest', 'expiresAt')
  if t[1] == ARGV[1] and tonumber(t[2]) > tonumber(ARGV[2]) then
    local fields = redis.call('HGETALL', key)
    redis.call('DEL', key)
    return fields
  end
end
return false`

/**
 * KEYS: counter. ARGV: now, windowMs, limit. Answers {allowed, retryAfter ms}. Mirrors
 * decideHit in src/domain/rate-window.ts line by line; the hash is the window (`count`, `end`),
 * written back in the same script and expiring at its end.
 */
export const RATE_HIT = `${MS}
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local c = redis.call('HMGET', KEYS[1], 'count', 'end')
local count, finish
-- if (current && current.end > now) -> the same window, one more event
if c[2] and tonumber(c[2]) > now then
  count, finish = redis.call('HINCRBY', KEYS[1], 'count', 1), tonumber(c[2])
-- else -> a new window from now, this event its first
else
  count, finish = 1, now + window
  redis.call('HSET', KEYS[1], 'count', 1, 'end', ms(finish))
  redis.call('PEXPIREAT', KEYS[1], ms(finish))
end
-- if (next.count <= rule.limit) -> allowed
if count <= limit then return {1, 0} end
-- else -> refused: retryAfter = between(now, next.end)
return {0, finish - now}`

/**
 * Lua sources, one per compound operation. Each touches KEYS[1] only, so it runs in one slot.
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

/** KEYS: account (by email). ARGV: id, field, value, ... The same id again is a retry and succeeds. */
export const CREATE_USER = `
local existing = redis.call('HGET', KEYS[1], 'id')
if existing == ARGV[1] then return 'created' end
if existing then return 'email_taken' end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 'created'`

/** KEYS: id -> email pointer. ARGV: email. Claims the id; 0 when it points elsewhere already. */
export const CLAIM_USER_ID = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then return 1 end
if current then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1`

/** KEYS: account. ARGV: id, name mode ('keep' | 'set' | 'clear'), name, hash mode ('keep' | 'set'), hash. */
export const UPDATE_USER = `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return false end
if ARGV[2] == 'set' then redis.call('HSET', KEYS[1], 'name', ARGV[3]) end
if ARGV[2] == 'clear' then redis.call('HDEL', KEYS[1], 'name') end
if ARGV[4] == 'set' then redis.call('HSET', KEYS[1], 'passwordHash', ARGV[5]) end
return redis.call('HGETALL', KEYS[1])`

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

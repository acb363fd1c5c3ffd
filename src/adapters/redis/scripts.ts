/**
 * Appends a batch. KEYS: the stream, the counters, then one digest key per
 * delivery. ARGV: the digest expiry in seconds, the number of rejection
 * counts and their (code, count) pairs, then five values per delivery.
 * Returns (id, duplicate) per delivery. A delivery seen before answers the
 * id it was stored under; one repeated within the batch is caught the same
 * way, since the first SET happens before the second GET.
 */
export const APPEND_SCRIPT = `
local ttl = ARGV[1]
local r = tonumber(ARGV[2])
local received = 0
for i = 0, r - 1 do
  local n = tonumber(ARGV[4 + 2 * i])
  redis.call('HINCRBY', KEYS[2], 'rejected:' .. ARGV[3 + 2 * i], n)
  received = received + n
end
local base = 3 + 2 * r
local out = {}
local stored, duplicates = 0, 0
for k = 3, #KEYS do
  local a = base + (k - 3) * 5
  local id = redis.call('GET', KEYS[k])
  if id then
    duplicates = duplicates + 1
    out[#out + 1] = id
    out[#out + 1] = 1
  else
    id = redis.call('XADD', KEYS[1], '*', 't', ARGV[a], 'p', ARGV[a + 1], 'r', ARGV[a + 2], 'h', ARGV[a + 3], 'b', ARGV[a + 4])
    redis.call('SET', KEYS[k], id, 'EX', ttl)
    stored = stored + 1
    out[#out + 1] = id
    out[#out + 1] = 0
  end
end
if stored > 0 then redis.call('HINCRBY', KEYS[2], 'stored', stored) end
if duplicates > 0 then redis.call('HINCRBY', KEYS[2], 'duplicates', duplicates) end
received = received + stored + duplicates
if received > 0 then redis.call('HINCRBY', KEYS[2], 'received', received) end
return out
`;

/**
 * Trims the stream below what every consumer group has acknowledged.
 * KEYS: the stream. A group's low-water mark is its oldest pending entry,
 * or, with nothing pending, the entry just after the last one it was
 * given. The stream keeps everything at or above the lowest mark of all
 * groups; with no group yet it keeps everything. Returns the entries
 * removed.
 */
export const TRIM_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function below(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
local low = nil
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local f = {}
  for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
  local mark
  if f['pending'] > 0 then
    mark = redis.call('XPENDING', KEYS[1], f['name'])[2]
  else
    local ms, seq = string.match(f['last-delivered-id'], '^(%d+)-(%d+)$')
    mark = ms .. '-' .. string.format('%d', tonumber(seq) + 1)
  end
  if low == nil or below(mark, low) then low = mark end
end
if low == nil then return 0 end
return redis.call('XTRIM', KEYS[1], 'MINID', low)
`;

/**
 * Renews what one consumer holds. KEYS: the stream. ARGV: the group, the
 * consumer. XCLAIM to the same consumer sets an entry's idle time back to
 * zero, and with JUSTID leaves its delivery count alone, so a renewal is
 * not a delivery. Atomic, so an entry another consumer took over between
 * reading the pending list and claiming is never taken back. Returns how
 * many entries were renewed.
 */
export const RENEW_SCRIPT = `
local renewed = 0
local start = '-'
while true do
  local mine = redis.call('XPENDING', KEYS[1], ARGV[1], start, '+', 1000, ARGV[2])
  if #mine == 0 then return renewed end
  local ids = {}
  for i, e in ipairs(mine) do ids[i] = e[1] end
  local last = ids[#ids]
  ids[#ids + 1] = 'JUSTID'
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, unpack(ids))
  renewed = renewed + #mine
  if #mine < 1000 then return renewed end
  start = '(' .. last
end
`;

/**
 * Moves entries delivered too often to the dead-letter stream. KEYS: the
 * stream, the dead-letter stream, the counters. ARGV: the group, the most
 * deliveries an entry may have had, then the ids to look at. An entry
 * still pending in the group and delivered more often than that is copied
 * (its fields, then `id`, `deliveries`, `consumer` and `reason`) and
 * acknowledged in the same step, so it is never in both places nor in
 * neither. Returns the ids moved.
 */
export const DEAD_LETTER_SCRIPT = `
local max = tonumber(ARGV[2])
local moved = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)[1]
  local e = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])[1]
  if p and e and tonumber(p[4]) > max then
    local fields = e[2]
    for _, v in ipairs({ 'id', ARGV[i], 'deliveries', tostring(p[4]), 'consumer', p[2], 'reason', 'delivered ' .. p[4] .. ' times without being acknowledged' }) do
      fields[#fields + 1] = v
    end
    redis.call('XADD', KEYS[2], '*', unpack(fields))
    redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
    moved[#moved + 1] = ARGV[i]
  end
end
if #moved > 0 then redis.call('HINCRBY', KEYS[3], 'dead-lettered', #moved) end
return moved
`;

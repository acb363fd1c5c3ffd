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

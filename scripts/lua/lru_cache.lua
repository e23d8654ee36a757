-- lru_cache.lua N: a long- and short-lived mix. An LRU cache of string values keyed by
-- string (a doubly linked list of node tables plus an index) serves N requests with a
-- skewed key distribution; misses build values, evictions drop them, and a slowly growing
-- archive keeps a share of them alive for the whole run.
local N = tonumber(arg and arg[1]) or 100000
local CAPACITY = tonumber(arg and arg[2]) or 4000
math.randomseed(17)

local Cache = {}
Cache.__index = Cache
function Cache.new(capacity)
  local head = {}
  head.prev, head.next = head, head
  return setmetatable({ capacity = capacity, size = 0, index = {}, head = head, hits = 0, misses = 0 }, Cache)
end
function Cache:unlink(node) node.prev.next, node.next.prev = node.next, node.prev end
function Cache:push_front(node)
  node.next, node.prev = self.head.next, self.head
  self.head.next.prev = node
  self.head.next = node
end
function Cache:get(key, make)
  local node = self.index[key]
  if node then
    self.hits = self.hits + 1
    self:unlink(node)
    self:push_front(node)
    return node.value
  end
  self.misses = self.misses + 1
  node = { key = key, value = make(key) }
  self.index[key] = node
  self:push_front(node)
  self.size = self.size + 1
  if self.size > self.capacity then
    local old = self.head.prev
    self:unlink(old)
    self.index[old.key] = nil
    self.size = self.size - 1
  end
  return node.value
end

local function make_value(key)
  local parts = {}
  for i = 1, 1 + #key % 7 do parts[i] = key:upper() .. ":" .. i end
  return table.concat(parts, ";")
end

local cache = Cache.new(CAPACITY)
local archive = {}
local bytes = 0
for i = 1, N do
  local r = math.random()
  local k = r < 0.8 and math.random(1, CAPACITY // 2) or math.random(1, CAPACITY * 20)
  local v = cache:get("key" .. k, make_value)
  bytes = bytes + #v
  if i % 50 == 0 then archive[#archive + 1] = { at = i, value = v } end
  if i % 20000 == 0 then
    print(string.format("%7d requests: hits %d misses %d archive %d", i, cache.hits, cache.misses, #archive))
  end
end
print("bytes served", bytes, "cache size", cache.size)

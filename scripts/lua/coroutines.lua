-- coroutines.lua N: producer/consumer pipelines of coroutines (Lua threads). Each stage is a
-- coroutine that receives values, transforms them and passes them on; pipelines are created
-- and discarded, so thread objects and their stacks are allocated, grown and freed.
local N = tonumber(arg and arg[1]) or 2000

local function producer(n)
  return coroutine.wrap(function()
    for i = 1, n do coroutine.yield({ n = i, label = "v" .. i }) end
  end)
end

local function stage(source, f)
  return coroutine.wrap(function()
    for item in source do
      local out = f(item)
      if out then coroutine.yield(out) end
    end
  end)
end

local function deep(n)
  -- recursion inside a coroutine grows its stack
  if n == 0 then return 0 end
  return 1 + deep(n - 1)
end

local sum, count, depth = 0, 0, 0
for p = 1, N do
  local src = producer(20 + p % 30)
  local evens = stage(src, function(it) if it.n % 2 == 0 then return it end end)
  local squares = stage(evens, function(it) return { n = it.n * it.n, label = it.label .. "^2" } end)
  local tagged = stage(squares, function(it) return { n = it.n, label = "[" .. it.label .. "]" } end)
  for item in tagged do
    sum = sum + item.n
    count = count + #item.label
  end
  local co = coroutine.create(function(n) return deep(n) end)
  local ok, d = coroutine.resume(co, 50 + p % 200)
  depth = depth + (ok and d or 0)
end
print("sum", sum, "label chars", count, "depth", depth)

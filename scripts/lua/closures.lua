-- closures.lua N: functional-style code: closures capturing upvalues, iterator factories,
-- memoisation tables, function composition and a continuation-passing fold.
local N = tonumber(arg and arg[1]) or 20000

local function counter(start)
  local n = start
  return function(step) n = n + (step or 1); return n end
end

local function compose(f, g) return function(...) return f(g(...)) end end

local function memoize(f)
  local cache = {}
  return function(x)
    local v = cache[x]
    if v == nil then v = f(x); cache[x] = v end
    return v
  end
end

local function range(n)
  local i = 0
  return function() i = i + 1; if i <= n then return i end end
end

local function map(f, iter)
  return function()
    local v = iter()
    if v ~= nil then return f(v) end
  end
end

local function filter(p, iter)
  return function()
    local v = iter()
    while v ~= nil and not p(v) do v = iter() end
    return v
  end
end

local function fold_cps(list, i, acc, k)
  if i > #list then return k(acc) end
  return fold_cps(list, i + 1, acc + list[i], k)
end

local counters = {}
for i = 1, N do counters[i] = counter(i) end
local total = 0
for round = 1, 3 do
  for i = 1, N do total = total + counters[i](round) end
end
print("counters", total)

local collatz = memoize(function(n)
  local steps = 0
  while n ~= 1 do n = (n % 2 == 0) and n // 2 or 3 * n + 1; steps = steps + 1 end
  return steps
end)
local longest, at = 0, 0
for v in filter(function(x) return x % 3 ~= 0 end, map(function(x) return x * 2 + 1 end, range(N))) do
  local s = collatz(v)
  if s > longest then longest, at = s, v end
end
print("collatz", longest, at)

local inc = function(x) return x + 1 end
local f = inc
for _ = 1, 50 do f = compose(inc, f) end
local chained = 0
for i = 1, N do chained = chained + f(i) end
print("composed", chained)

local list = {}
for i = 1, 150 do list[i] = i * i end
local folded = 0
for i = 1, N // 10 do
  folded = folded + fold_cps(list, 1, i, function(acc) return acc % 1000 end)
end
print("folded", folded)

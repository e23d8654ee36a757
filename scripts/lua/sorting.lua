-- sorting.lua N: sorting records by several keys with table.sort and comparators, a merge
-- sort that builds new tables at every level, and stable ranking of the results.
local N = tonumber(arg and arg[1]) or 20000
math.randomseed(5)

local items = {}
for i = 1, N do
  items[i] = { key = math.random(1, N // 4 + 1), name = string.format("item-%06d", math.random(1, 999999)), seq = i }
end

local function merge_sort(list, less)
  if #list <= 1 then return list end
  local mid = #list // 2
  local left, right = {}, {}
  for i = 1, mid do left[i] = list[i] end
  for i = mid + 1, #list do right[i - mid] = list[i] end
  left, right = merge_sort(left, less), merge_sort(right, less)
  local out, i, j = {}, 1, 1
  while i <= #left and j <= #right do
    if less(right[j], left[i]) then out[#out + 1] = right[j]; j = j + 1
    else out[#out + 1] = left[i]; i = i + 1 end
  end
  for k = i, #left do out[#out + 1] = left[k] end
  for k = j, #right do out[#out + 1] = right[k] end
  return out
end

local by_key = merge_sort(items, function(a, b) return a.key < b.key end)
local stable = true
for i = 2, #by_key do
  if by_key[i - 1].key == by_key[i].key and by_key[i - 1].seq > by_key[i].seq then stable = false end
end
print("merge sort stable", stable, "first", by_key[1].key, by_key[1].seq)

local copy = {}
for i = 1, N do copy[i] = items[i] end
table.sort(copy, function(a, b)
  if a.name ~= b.name then return a.name < b.name end
  return a.seq < b.seq
end)
print("by name", copy[1].name, copy[N].name)

local ranks, rank = {}, 0
for i, it in ipairs(by_key) do
  if i == 1 or by_key[i - 1].key ~= it.key then rank = rank + 1 end
  ranks[#ranks + 1] = string.format("%d:%s", rank, it.name)
end
print("distinct keys", rank, "sample", ranks[1], ranks[#ranks])

local words = {}
for i = 1, N do words[i] = items[i].name:sub(6) .. tostring(i % 97) end
table.sort(words)
print("words", words[1], words[#words])

-- Lua 5.4 twin of merge_sort.gw: same algorithm, same output.
local N = 200000

local seed = 7
local function next_random()
    seed = (seed * 16807) % 2147483647
    return seed
end

local function slice(list, from, to) -- half-open, 0-based like list_slice
    return table.move(list, from + 1, to, 1, {})
end

local function merge(a, b)
    local out = {}
    local i, j = 1, 1
    local na, nb = #a, #b
    while i <= na and j <= nb do
        if a[i] <= b[j] then
            out[#out + 1] = a[i]
            i = i + 1
        else
            out[#out + 1] = b[j]
            j = j + 1
        end
    end
    while i <= na do
        out[#out + 1] = a[i]
        i = i + 1
    end
    while j <= nb do
        out[#out + 1] = b[j]
        j = j + 1
    end
    return out
end

local function merge_sort(l)
    local n = #l
    if n <= 1 then
        return l
    end
    local mid = n // 2
    return merge(merge_sort(slice(l, 0, mid)), merge_sort(slice(l, mid, n)))
end

local values = {}
for _ = 1, N do
    values[#values + 1] = next_random() % 1000000
end
local sorted = merge_sort(values)

local in_order = true
local checksum = 0
for i = 0, N - 1 do
    if i > 0 and sorted[i] > sorted[i + 1] then
        in_order = false
    end
    checksum = (checksum + sorted[i + 1] * (i % 7 + 1)) % 1000000007
end
print(string.format("sorted: %s count: %d", tostring(in_order), #sorted))
print(string.format("min: %d median: %d max: %d", sorted[1], sorted[N // 2 + 1], sorted[N]))
print(string.format("checksum: %d", checksum))

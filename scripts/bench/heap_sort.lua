-- Lua 5.4 twin of heap_sort.gw: same algorithm, same output (helpers change the table in place
-- and return it, as the Glimmer-Weave helpers yield theirs).
local N = 200000

local seed = 11
local function next_random()
    seed = (seed * 16807) % 2147483647
    return seed
end

local function swap(a, i, j) -- 0-based like the Glimmer-Weave list
    a[i + 1], a[j + 1] = a[j + 1], a[i + 1]
    return a
end

local function sift_down(a, start, stop)
    local root = start
    local settled = false
    while not settled and root * 2 + 1 < stop do
        local child = root * 2 + 1
        if child + 1 < stop and a[child + 1] < a[child + 2] then
            child = child + 1
        end
        if a[root + 1] < a[child + 1] then
            a = swap(a, root, child)
            root = child
        else
            settled = true
        end
    end
    return a
end

local function heap_sort(a)
    local n = #a
    local start = n // 2 - 1
    while start >= 0 do
        a = sift_down(a, start, n)
        start = start - 1
    end
    local stop = n - 1
    while stop > 0 do
        a = swap(a, 0, stop)
        a = sift_down(a, 0, stop)
        stop = stop - 1
    end
    return a
end

local values = {}
for _ = 1, N do
    values[#values + 1] = next_random() % 1000000
end
local sorted = heap_sort(values)

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

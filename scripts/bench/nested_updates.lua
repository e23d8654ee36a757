-- Lua 5.4 twin of nested_updates.gw: same algorithm, same output (grid[y + 1][x + 1] holds
-- cell (x, y)); Lua updates the nested tables in place.
local N = 1000000
local W = 64

local grid = {}
for y = 0, W - 1 do
    local row = {}
    for x = 0, W - 1 do
        row[#row + 1] = 0
    end
    grid[#grid + 1] = row
end

local groups = {}
for g = 0, 15 do
    groups["g" .. tostring(g)] = {}
end

local journal = {entries = {}, count = 0}

local seed = 7
for i = 0, N - 1 do
    seed = (seed * 75 + 74) % 65537
    local y = seed % W
    local x = (seed - y) // W % W
    local row = grid[y + 1]
    row[x + 1] = (row[x + 1] + i) % 1000
    grid[y + 1] = row
    local key = "g" .. tostring(seed % 16)
    local items = groups[key]
    items[#items + 1] = x + y
    local entries = journal.entries
    entries[#entries + 1] = seed % 100
    journal.entries = entries
    journal.count = journal.count + 1
end

local total = 0
local weighted = 0
for y = 0, W - 1 do
    local row = grid[y + 1]
    for x = 0, W - 1 do
        total = total + row[x + 1]
        weighted = (weighted + row[x + 1] * (x + 1) * (y + 1)) % 1000003
    end
end
print("grid: " .. total .. " " .. weighted)

local keys = {}
for k in pairs(groups) do
    keys[#keys + 1] = k
end
table.sort(keys)
local sizes = {}
local group_sum = 0
for _, k in ipairs(keys) do
    local items = groups[k]
    sizes[#sizes + 1] = #items
    local s = 0
    for _, v in ipairs(items) do
        s = s + v
    end
    group_sum = (group_sum + s) % 1000003
end
print("groups: [" .. table.concat(sizes, ", ") .. "] " .. group_sum)
local jsum = 0
for _, v in ipairs(journal.entries) do
    jsum = jsum + v
end
print("journal: " .. journal.count .. " " .. #journal.entries .. " " .. jsum)

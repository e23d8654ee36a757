-- Lua 5.4 twin of map_ops.gw: same algorithm, same output.
local N = 600000

local function size(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end
local function keys(t)
    local ks = {}
    for k in pairs(t) do ks[#ks + 1] = k end
    table.sort(ks)
    return ks
end

local tbl = {}
for i = 0, N - 1 do
    tbl["key" .. tostring(i % 20000)] = i
end
local hits, sum = 0, 0
for i = 0, N - 1 do
    local key = "key" .. tostring((i * 7) % 40000)
    if tbl[key] ~= nil then
        hits = hits + 1
        sum = (sum + tbl[key]) % 1000003
    end
end

local counts = {}
for i = 0, N - 1 do
    local k = tostring((i * i) % 997)
    if counts[k] ~= nil then
        counts[k] = counts[k] + 1
    else
        counts[k] = 1
    end
end

local record = {name = "box", width = 3, height = 4, depth = 5}
local volume = 0
for i = 0, N - 1 do
    volume = (volume + record.width * record.height + record["depth"]) % 1000003
    record["width"] = i % 10
end

local keysum = 0
for _, k in ipairs(keys(counts)) do
    keysum = keysum + counts[k] * #k
end
print("size: " .. size(tbl) .. " hits: " .. hits .. " sum: " .. sum)
print("distinct: " .. size(counts) .. " keysum: " .. keysum .. " first: " .. keys(counts)[1])
print("volume: " .. volume)

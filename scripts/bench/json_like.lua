-- Lua 5.4 twin of json_like.gw: same algorithm, same output. Lists are tables with a first
-- element (the data has no empty containers); maps are walked in sorted key order.
local N = 25000

local function sorted_keys(map)
    local keys = {}
    for k in pairs(map) do
        keys[#keys + 1] = k
    end
    table.sort(keys)
    return keys
end

local function is_list(t)
    return t[1] ~= nil
end

local function make_record(i)
    local tags = { "t" .. tostring(i % 5), "g" .. tostring(i % 3) }
    local stats = { score = (i * 37) % 101, visits = i % 17, ratio = { i % 4, i % 9 } }
    return { id = i, name = "user" .. tostring(i), active = i % 2 == 0, tags = tags, stats = stats }
end

local function walk(v, t)
    local kind = type(v)
    if kind == "table" and is_list(v) then
        t.lists = t.lists + 1
        for _, item in ipairs(v) do
            t = walk(item, t)
        end
        return t
    end
    if kind == "table" then
        t.maps = t.maps + 1
        for _, k in ipairs(sorted_keys(v)) do
            t = walk(v[k], t)
        end
        return t
    end
    if kind == "string" then
        t.texts = t.texts + 1
        t.text_bytes = t.text_bytes + #v
        return t
    end
    if kind == "number" then
        t.numbers = t.numbers + 1
        t.sum = t.sum + v
        return t
    end
    t.truths = t.truths + 1
    return t
end

local function to_json(v)
    local kind = type(v)
    if kind == "string" then
        return "\"" .. v .. "\""
    end
    if kind == "table" and is_list(v) then
        local parts = {}
        for _, item in ipairs(v) do
            parts[#parts + 1] = to_json(item)
        end
        return "[" .. table.concat(parts, ",") .. "]"
    end
    if kind == "table" then
        local parts = {}
        for _, k in ipairs(sorted_keys(v)) do
            parts[#parts + 1] = "\"" .. k .. "\":" .. to_json(v[k])
        end
        return "{" .. table.concat(parts, ",") .. "}"
    end
    return tostring(v)
end

local records = {}
for i = 0, N - 1 do
    records[#records + 1] = make_record(i)
end
local document = { records = records, count = N, title = "bench" }

local zero = { lists = 0, maps = 0, texts = 0, text_bytes = 0, numbers = 0, sum = 0, truths = 0 }
local totals = walk(document, zero)
for _, k in ipairs(sorted_keys(totals)) do
    print(k .. " " .. tostring(totals[k]))
end
local json = to_json(document)
print("json bytes: " .. tostring(#json))
print(to_json(records[N]))

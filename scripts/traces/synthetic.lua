-- synthetic.lua - writes a synthetic allocation trace (shared/TRACE-FORMAT.md) to stdout:
-- blocks of uniformly random sizes, allocated until LIVE are live, then random churn (each
-- event an alloc or the free of a random live block, half and half) for EVENTS events, then
-- every block freed. The mix a general-purpose allocator benchmark uses: no size repeats on
-- purpose and no lifetime order, the opposite of an interpreter's traces.
--
--   lua5.4 scripts/traces/synthetic.lua MIN MAX LIVE EVENTS [SEED] > OUT.gwt
--   e.g. lua5.4 scripts/traces/synthetic.lua 2049 4096 10000 1000000 > /tmp/u2k4k.gwt
local function usage(message)
    io.stderr:write("synthetic.lua: ", message, "\n",
        "usage: lua5.4 scripts/traces/synthetic.lua MIN MAX LIVE EVENTS [SEED] > OUT.gwt\n")
    os.exit(2)
end

local function count(i, name, least)
    local v = math.tointeger(tonumber(arg[i]))
    if v == nil then usage(name .. " must be a whole number, got " .. tostring(arg[i])) end
    if v < least then usage(name .. " must be at least " .. least .. ", got " .. v) end
    return v
end

if #arg < 4 or #arg > 5 then usage("expected 4 or 5 arguments, got " .. #arg) end
local min_size, max_size = count(1, "MIN", 1), count(2, "MAX", 1)
local live, events = count(3, "LIVE", 1), count(4, "EVENTS", 1)
local seed = arg[5] and count(5, "SEED", 0) or 1
if max_size < min_size then usage("MAX (" .. max_size .. ") is below MIN (" .. min_size .. ")") end
math.randomseed(seed)

local out = {}
local function emit(line)
    out[#out + 1] = line
    if #out == 4096 then
        io.write(table.concat(out, "\n"), "\n")
        out = {}
    end
end

emit("# glimmer-trace v1")
emit(string.format("# source: lua5.4 scripts/traces/synthetic.lua %d %d %d %d %d",
    min_size, max_size, live, events, seed))
local ids, next_id = {}, 1
for _ = 1, events do
    if #ids < live or math.random() < 0.5 then
        emit(string.format("a %d %d", next_id, math.random(min_size, max_size)))
        ids[#ids + 1] = next_id
        next_id = next_id + 1
    else
        local i = math.random(#ids)
        emit(string.format("f %d", ids[i]))
        ids[i] = ids[#ids]
        ids[#ids] = nil
    end
end
for i = 1, #ids do emit(string.format("f %d", ids[i])) end
if #out > 0 then io.write(table.concat(out, "\n"), "\n") end

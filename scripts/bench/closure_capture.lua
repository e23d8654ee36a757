-- Lua 5.4 twin of closure_capture.gw: same algorithm, same output.
local N = 2000000

local function make_scaler(k)
    return function(x) return x * k end
end

local fns = {}
local hits = 0
local bump = function(n)
    hits = hits + n
    return hits
end
for i = 0, N - 1 do
    local f = function(x) return x + i end
    if i % 100 == 0 then fns[#fns + 1] = f end
    local s = make_scaler(i % 10)
    bump(f(1) % 3 + s(2))
end
local total = 0
for _, f in ipairs(fns) do
    total = total + f(total % 7)
end
print("fns: " .. #fns .. " total: " .. total .. " hits: " .. hits)

-- Lua 5.4 twin of error_handling.gw: same algorithm, same output; pcall and error() stand in
-- for attempt/harmonize and Glimmer's runtime errors.
local N = 200000

local function safe_div(a, b)
    local ok, r = pcall(function()
        if b == 0 then error("DivisionByZero") end
        return math.floor(a / b)
    end)
    if ok then return r end
    return 0
end

local function parse(t)
    local ok, r = pcall(function()
        local n = tonumber(t)
        if n == nil then error("CustomError") end
        return n
    end)
    if ok then return r end
    return -1
end

local function pick(xs, i)
    local ok, r = pcall(function()
        if i >= #xs then error("IndexOutOfBounds") end
        return xs[i + 1]
    end)
    if ok then return r end
    return 0
end

local small = {5, 6, 7}
local total = 0
for i = 0, N - 1 do
    total = total + safe_div(i, i % 3) + parse(tostring(i % 5) .. "x") + pick(small, i % 5)
end
print("total: " .. total)

-- Lua 5.4 twin of higher_order.gw: same algorithm, same output.
local N = 3000

local function map_list(xs, f)
    local out = {}
    for _, x in ipairs(xs) do out[#out + 1] = f(x) end
    return out
end

local function filter_list(xs, keep)
    local out = {}
    for _, x in ipairs(xs) do
        if keep(x) then out[#out + 1] = x end
    end
    return out
end

local function fold_list(xs, init, f)
    local acc = init
    for _, x in ipairs(xs) do acc = f(acc, x) end
    return acc
end

local function double(x) return x * 2 end
local function is_even(x) return x % 4 == 0 end
local function add(a, b) return a + b end
local function square(x) return x * x end

local numbers = {}
for i = 0, 999 do numbers[#numbers + 1] = i end

local total = 0
for round = 0, N - 1 do
    local r = fold_list(map_list(filter_list(map_list(numbers, double), is_even), square), 0, add)
    total = (total + r + round) % 1000000007
end
print("pipeline total: " .. total)

-- iter_map / iter_filter / iter_fold: a lazy chain, written as Lua closures over an index.
local lazy = 0
for round = 0, N // 10 - 1 do
    local i = 0
    local function nxt()
        while true do
            i = i + 1
            local x = numbers[i]
            if x == nil then return nil end
            local y = double(x)
            if is_even(y) then return y end
        end
    end
    local acc = round
    for v in nxt do acc = add(acc, v) end
    lazy = lazy + acc
end
print("iterator total: " .. lazy)

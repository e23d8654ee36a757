-- Lua 5.4 twin of closures.gw: same algorithm, same output.
local N = 1600000

local function make_adder(n)
    return function(x)
        return x + n
    end
end

local function compose(f, g)
    return function(x)
        return g(f(x))
    end
end

local function make_counter()
    local count = 0
    return function(step)
        count = count + step
        return count
    end
end

local adders = {}
for i = 0, 99 do
    adders[#adders + 1] = make_adder(i)
end

local counter = make_counter()
local total = 0
for round = 0, N - 1 do
    local f = compose(adders[round % 100 + 1], adders[(round * 7) % 100 + 1])
    total = (total + f(round)) % 1000000007
    counter(round % 3)
end
print("total: " .. total)
print("counter: " .. counter(0))

local function apply_n(f, n, x)
    local acc = x
    for _ = 1, n do
        acc = f(acc)
    end
    return acc
end
local inc_twice = compose(adders[2], adders[2])
print("applied: " .. apply_n(inc_twice, N, 0))

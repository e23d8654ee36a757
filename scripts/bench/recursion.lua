-- Lua 5.4 twin of recursion.gw: same algorithm, same output.
local N = 32

local function fib(n)
    if n < 2 then return n end
    return fib(n - 1) + fib(n - 2)
end

local function tak(x, y, z)
    if y >= x then return z end
    return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y))
end

local function depth_sum(n)
    if n == 0 then return 0 end
    return n + depth_sum(n - 1)
end

print("fib: " .. fib(N))
print("tak: " .. tak(N - 12, N - 18, N - 24))
local total = 0
for i = 0, N * 10 - 1 do
    total = total + depth_sum(5000 + i)
end
print("depth: " .. total)

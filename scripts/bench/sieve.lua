-- Lua 5.4 twin of sieve.gw: same algorithm, same output (flags[i + 1] holds i's flag).
local N = 3000000

local flags = {}
for _ = 0, N do
    flags[#flags + 1] = true
end
local count = 0
local biggest = 0
for i = 2, N do
    if flags[i + 1] then
        count = count + 1
        biggest = i
        local j = i * i
        while j <= N do
            flags[j + 1] = false
            j = j + i
        end
    end
end
print("primes: " .. count .. " largest: " .. biggest)

local function fib(n)
    if n < 2 then
        return n
    end
    return fib(n - 1) + fib(n - 2)
end
print("fib: " .. fib(25))

-- Lua 5.4 twin of list_stack.gw: same algorithm, same output.
local N = 500000

local stack = {}
local popped = 0
for i = 0, N - 1 do
    stack[#stack + 1] = i
    if i % 3 == 2 then
        popped = popped + stack[#stack]
        table.remove(stack)
    end
end
print("size: " .. #stack .. " popped: " .. popped)

local i = 0
local sum = 0
while i < #stack do
    sum = (sum + stack[i + 1] * (i % 7)) % 1000003
    stack[i + 1] = stack[i + 1] + 1
    i = i + 1
end
print("sum: " .. sum .. " first: " .. stack[1] .. " last: " .. stack[#stack])

local work = {}
local drained = 0
for _ = 0, 19 do
    for j = 0, N // 20 - 1 do
        work[#work + 1] = j
    end
    while #work > 0 do
        drained = drained + work[#work] % 5
        table.remove(work)
    end
end
print("drained: " .. drained)

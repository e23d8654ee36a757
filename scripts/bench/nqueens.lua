-- Lua 5.4 twin of nqueens.gw: same algorithm, same output.
local N = 11

local function safe(placed, row, col)
    local r = 0
    for _, c in ipairs(placed) do
        if c == col or math.abs(c - col) == row - r then
            return false
        end
        r = r + 1
    end
    return true
end

local function push(list, value)
    local copy = table.move(list, 1, #list, 1, {})
    copy[#copy + 1] = value
    return copy
end

local function solve(placed, row, n)
    if row == n then
        return 1
    end
    local count = 0
    for col = 0, n - 1 do
        if safe(placed, row, col) then
            count = count + solve(push(placed, col), row + 1, n)
        end
    end
    return count
end

for n = 4, N do
    print(string.format("%d queens: %d", n, solve({}, 0, n)))
end

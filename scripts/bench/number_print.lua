-- Lua 5.4 twin of number_print.gw: same algorithm, same output. fmt prints a number the way
-- Glimmer's display form does for these values (integral without ".0").
local N = 600000

local function fmt(x)
    if x == math.floor(x) then return string.format("%d", x) end
    return tostring(x)
end

local checksum = 0
for i = 0, N - 1 do
    local q = i / 4
    local big = i * 1000003
    print(fmt(i) .. " " .. fmt(q) .. " " .. fmt(0 - i) .. " " .. fmt(big) .. " | " .. fmt(i % 97))
    local t = fmt(q) .. ";" .. fmt(i * 3)
    checksum = checksum + #t
end
print("checksum: " .. checksum)

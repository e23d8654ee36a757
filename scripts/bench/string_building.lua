-- Lua 5.4 twin of string_building.gw: same algorithm, same output.
local N = 170000

local function pad_left(text, width, ch)
    if #text >= width then
        return text
    end
    return string.rep(ch, width - #text) .. text
end

local function format_line(i)
    local code = pad_left(tostring((i * 7919) % 10000), 4, "0")
    return "item-" .. tostring(i) .. ":" .. code .. ":" .. string.rep("ab", i % 4)
end

local lines = {}
for i = 0, N - 1 do
    lines[#lines + 1] = format_line(i)
end
local text = table.concat(lines, "\n")
print("bytes: " .. #text)

local renamed = string.gsub(text, "item%-", "it#")
print("renamed bytes: " .. #renamed)

local nines, shouted, prefix_sum = 0, 0, 0
for line in string.gmatch(renamed .. "\n", "([^\n]*)\n") do
    if string.find(line, ":9", 1, true) then
        nines = nines + 1
    end
    if string.sub(line, -4) == "abab" then
        shouted = shouted + #string.upper(line)
    end
    prefix_sum = prefix_sum + #string.sub(line, 1, 4)
end
print("lines with :9: " .. nines)
print("upper bytes: " .. shouted)
print("prefix bytes: " .. prefix_sum)
print(string.sub(renamed, 1, 40))

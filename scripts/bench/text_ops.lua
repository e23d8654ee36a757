-- Lua 5.4 twin of text_ops.gw: same algorithm, same output.
local N = 300000

local function split(s, sep)
    local out, start = {}, 1
    while true do
        local i = string.find(s, sep, start, true)
        if not i then out[#out + 1] = string.sub(s, start); return out end
        out[#out + 1] = string.sub(s, start, i - 1)
        start = i + #sep
    end
end
local function trim(s) return (string.match(s, "^%s*(.-)%s*$")) end
local function pad_left(s, w, ch)
    if #s >= w then return s end
    return string.rep(ch, w - #s) .. s
end

local line, total, lines = "", 0, 0
for i = 0, N - 1 do
    local word = "w" .. tostring(i % 1000)
    line = line .. word .. ","
    if #line > 2000 then
        total = total + #line
        lines = lines + 1
        line = ""
    end
    local shout = string.upper(word)
    if string.sub(shout, 1, 2) == "W1" then total = total + 1 end
    if string.find(word, "99", 1, true) then total = total + 2 end
    total = total + #trim("  " .. word .. "  ")
    total = total + #string.sub(word, 1, 2)
    local parts = split("a,b," .. word, ",")
    total = total + #parts + #parts[3]
    total = total + #(string.gsub(word, "1", "one"))
    total = total + #pad_left(word, 8, ".")
    if string.sub(word, 2, 2) == "7" then total = total + 3 end
    local joined = table.concat(parts, "-")
    if string.sub(joined, -3) == "-w5" then total = total + 5 end
end
print("total: " .. total .. " lines: " .. lines .. " rest: " .. #line)

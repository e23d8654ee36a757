-- Lua 5.4 twin of match_loop.gw: same algorithm, same output. Tagged tables stand in for the
-- variants and for Present/Absent/Triumph/Mishap; if-chains stand in for match.
local N = 600000

local ABSENT = {tag = "Absent"}
local DOT = {tag = "Dot"}

local function classify(n)
    local m = n % 5
    if m == 0 then return "zero" end
    if m == 1 then return "one" end
    if m == 2 then return "two" end
    return "many"
end

local function lookup(i)
    if i % 3 == 0 then return ABSENT end
    return {tag = "Present", v = i % 11}
end

local function checked(i)
    if i % 7 == 0 then return {tag = "Mishap", v = "bad"} end
    return {tag = "Triumph", v = lookup(i)}
end

local function make_shape(i)
    local k = i % 3
    if k == 0 then return {tag = "Circle", i % 5} end
    if k == 1 then return {tag = "Rect", i % 4, i % 6} end
    return DOT
end

local function area(s)
    if s.tag == "Circle" then local r = s[1]; return 3 * r * r end
    if s.tag == "Rect" then return s[1] * s[2] end
    if s.tag == "Dot" then return 1 end
    error("No pattern matched")
end

local total, words = 0, 0
for i = 0, N - 1 do
    local c = classify(i)
    if c == "zero" then words = words + 1
    elseif c == "two" then words = words + 2
    else words = words + #c end
    local o = checked(i)
    if o.tag == "Triumph" and o.v.tag == "Present" then total = total + o.v.v
    elseif o.tag == "Triumph" and o.v.tag == "Absent" then total = total + 100
    elseif o.tag == "Mishap" then total = total + #o.v end
    total = total + area(make_shape(i))
end
print("total: " .. total .. " words: " .. words)

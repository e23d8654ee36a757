-- Lua 5.4 twin of text_scan.gw: same algorithm, same output.
local N = 100000

local pieces = {}
for i = 0, N - 1 do
    pieces[#pieces + 1] = "word" .. tostring(i % 97) .. " x" .. tostring(i % 13)
end
local text = table.concat(pieces, " ")
print("bytes: " .. #text)

local vowels, digits, words = 0, 0, 0
local in_word = false
local i = 0
local n = #text
while i < n do
    local c = string.sub(text, i + 1, i + 1)
    if c == "o" or c == "x" then vowels = vowels + 1 end
    if string.find("0123456789", c, 1, true) then digits = digits + 1 end
    if c == " " then
        in_word = false
    else
        if not in_word then
            words = words + 1
            in_word = true
        end
    end
    i = i + 1
end
print("vowels: " .. vowels .. " digits: " .. digits .. " words: " .. words)

local long_words, shout_len = 0, 0
local start = 1
while true do
    local at = string.find(text, " ", start, true)
    local w = string.sub(text, start, (at or 0) - 1)
    if #w > 5 then
        long_words = long_words + 1
        shout_len = shout_len + #string.upper(string.sub(w, 1, 4))
    end
    if not at then break end
    start = at + 1
end
print("long: " .. long_words .. " shout: " .. shout_len)

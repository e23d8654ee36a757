-- Lua 5.4 twin of word_frequency.gw: same algorithm, same output.
local N = 1200000

local syllables = { "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo" }
local seed = 42

local function next_random()
    seed = (seed * 16807) % 2147483647
    return seed
end

local function make_word()
    local parts = 1 + next_random() % 3
    local word = ""
    for _ = 1, parts do
        word = word .. syllables[next_random() % 8 + 1]
    end
    return word
end

local words = {}
for _ = 1, N do
    words[#words + 1] = make_word()
end
local text = table.concat(words, " ")

local counts = {}
for w in string.gmatch(text, "[^ ]+") do
    counts[w] = (counts[w] or 0) + 1
end

local keys = {}
for k in pairs(counts) do
    keys[#keys + 1] = k
end
table.sort(keys)
print(string.format("words: %d distinct: %d text bytes: %d", N, #keys, #text))
local taken = {}
for rank = 1, 10 do
    local best, best_count = "", 0
    for _, k in ipairs(keys) do
        local c = counts[k]
        if c > best_count and not taken[k] then
            best, best_count = k, c
        end
    end
    taken[best] = true
    print(string.format("%d %s %d", rank, best, best_count))
end

-- text_split.lua N: string building and splitting. Generates N lines of pseudo-text, joins
-- them with table.concat, splits them again with gmatch, counts words, builds a
-- word-frequency report and reformats paragraphs with gsub.
local N = tonumber(arg and arg[1]) or 20000
math.randomseed(3)

local syllables = { "ka", "lo", "mi", "ren", "tha", "vo", "qui", "ze", "dra", "nu", "sil", "or" }
local function word()
  local parts = {}
  for i = 1, math.random(1, 4) do parts[i] = syllables[math.random(#syllables)] end
  return table.concat(parts)
end

local lines = {}
for i = 1, N do
  local words = {}
  for j = 1, math.random(3, 14) do words[j] = word() end
  lines[i] = table.concat(words, " ") .. (i % 5 == 0 and "." or ",")
end
local text = table.concat(lines, "\n")
print("text bytes", #text)

local freq, total = {}, 0
for w in text:gmatch("%a+") do
  freq[w] = (freq[w] or 0) + 1
  total = total + 1
end
local words = {}
for w, c in pairs(freq) do words[#words + 1] = { w = w, c = c } end
table.sort(words, function(a, b) if a.c ~= b.c then return a.c > b.c end return a.w < b.w end)
print("words", total, "distinct", #words)
for i = 1, math.min(8, #words) do print(string.format("%-12s %d", words[i].w, words[i].c)) end

local shouted = text:gsub("(%a+)([,.])", function(w, p) return w:upper() .. p end)
local wrapped, line = {}, {}
local width = 0
for w in shouted:gmatch("%S+") do
  if width + #w > 60 then
    wrapped[#wrapped + 1] = table.concat(line, " ")
    line, width = {}, 0
  end
  line[#line + 1] = w
  width = width + #w + 1
end
wrapped[#wrapped + 1] = table.concat(line, " ")
print("wrapped lines", #wrapped, "first", wrapped[1])
local reversed = {}
for i = #wrapped, 1, -1 do reversed[#reversed + 1] = wrapped[i]:reverse() end
print("checksum", #table.concat(reversed, "|"))

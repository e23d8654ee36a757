-- string_table.lua N: a symbol table and string interning workload. Builds identifiers,
-- interns them in nested scopes (tables of tables), renames with string.format and gsub,
-- and keeps a growing array of long strings whose buffers are resized as they grow.
local N = tonumber(arg and arg[1]) or 30000
math.randomseed(23)

local scopes = { {} }
local symbols, lookups, found = 0, 0, 0
for i = 1, N do
  local r = math.random()
  if r < 0.05 and #scopes < 40 then
    scopes[#scopes + 1] = {}
  elseif r < 0.09 and #scopes > 1 then
    scopes[#scopes] = nil
  else
    local name = string.format("%s_%d", ({ "tmp", "var", "arg", "field", "local" })[math.random(5)], math.random(1, 500))
    if math.random() < 0.5 then
      scopes[#scopes][name] = { name = name, index = i, kind = #scopes == 1 and "global" or "local" }
      symbols = symbols + 1
    else
      lookups = lookups + 1
      for s = #scopes, 1, -1 do
        if scopes[s][name] then found = found + 1; break end
      end
    end
  end
end
print("symbols", symbols, "lookups", lookups, "found", found, "depth", #scopes)

local logs = {}
for i = 1, 64 do logs[i] = "" end
for i = 1, N do
  local k = i % 64 + 1
  logs[k] = logs[k] .. string.format("[%d]", i % 1000)
  if #logs[k] > 2000 then logs[k] = logs[k]:sub(-200):gsub("%d", "#") end
end
local total = 0
for i = 1, 64 do total = total + #logs[i] end
print("log bytes", total)

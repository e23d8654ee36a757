-- json_codec.lua N: a JSON-like encoder and decoder written in Lua; builds N nested
-- documents, encodes them to text, decodes the text back and checks the round trip.
local N = tonumber(arg and arg[1]) or 3000
math.randomseed(9)

local encode
local function encode_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end
function encode(v, out)
  local t = type(v)
  if t == "table" then
    if #v > 0 or next(v) == nil then
      out[#out + 1] = "["
      for i, x in ipairs(v) do
        if i > 1 then out[#out + 1] = "," end
        encode(x, out)
      end
      out[#out + 1] = "]"
    else
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = k end
      table.sort(keys)
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        out[#out + 1] = encode_string(k)
        out[#out + 1] = ":"
        encode(v[k], out)
      end
      out[#out + 1] = "}"
    end
  elseif t == "string" then out[#out + 1] = encode_string(v)
  elseif t == "number" then out[#out + 1] = string.format("%.14g", v)
  elseif t == "boolean" then out[#out + 1] = tostring(v)
  else out[#out + 1] = "null" end
end

local function decoder(text)
  local pos = 1
  local function skip() pos = text:find("[^ \n\t]", pos) or #text + 1 end
  local value
  local function str()
    local start, parts = pos + 1, {}
    pos = start
    while true do
      local c = text:sub(pos, pos)
      if c == '"' then break end
      if c == "\\" then
        parts[#parts + 1] = text:sub(start, pos - 1)
        parts[#parts + 1] = string.char(tonumber(text:sub(pos + 2, pos + 5), 16))
        pos = pos + 6
        start = pos
      else
        pos = pos + 1
      end
    end
    parts[#parts + 1] = text:sub(start, pos - 1)
    pos = pos + 1
    return table.concat(parts)
  end
  function value()
    skip()
    local c = text:sub(pos, pos)
    if c == "{" then
      local obj = {}
      pos = pos + 1; skip()
      if text:sub(pos, pos) == "}" then pos = pos + 1; return obj end
      repeat
        skip()
        local k = str(); skip()
        pos = pos + 1 -- ':'
        obj[k] = value(); skip()
        local sep = text:sub(pos, pos); pos = pos + 1
      until sep == "}"
      return obj
    elseif c == "[" then
      local arr = {}
      pos = pos + 1; skip()
      if text:sub(pos, pos) == "]" then pos = pos + 1; return arr end
      repeat
        arr[#arr + 1] = value(); skip()
        local sep = text:sub(pos, pos); pos = pos + 1
      until sep == "]"
      return arr
    elseif c == '"' then return str()
    elseif text:sub(pos, pos + 3) == "true" then pos = pos + 4; return true
    elseif text:sub(pos, pos + 4) == "false" then pos = pos + 5; return false
    elseif text:sub(pos, pos + 3) == "null" then pos = pos + 4; return nil
    else
      local s, e = text:find("^-?[%d.eE+-]+", pos)
      pos = e + 1
      return tonumber(text:sub(s, e))
    end
  end
  return value
end

local function document(i)
  local tags = {}
  for j = 1, math.random(0, 6) do tags[j] = "tag" .. math.random(40) end
  return {
    id = i, title = "document \"" .. i .. "\"", score = math.random() * 100, draft = i % 3 == 0,
    tags = tags,
    author = { name = "author" .. math.random(200), karma = math.random(10000) },
    comments = (function()
      local c = {}
      for j = 1, math.random(0, 4) do c[j] = { by = "user" .. math.random(999), text = string.rep("lorem ", math.random(1, 12)) } end
      return c
    end)(),
  }
end

local docs = {}
for i = 1, N do docs[i] = document(i) end
local out = {}
encode(docs, out)
local text = table.concat(out)
print("encoded bytes", #text)
local back = decoder(text)()
local again = {}
encode(back, again)
print("round trip equal", table.concat(again) == text, "documents", #back)
local karma = 0
for _, d in ipairs(back) do karma = karma + d.author.karma end
print("karma", karma)

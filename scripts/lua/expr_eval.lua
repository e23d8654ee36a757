-- expr_eval.lua N: interpreter work in miniature. Generates N arithmetic programs as text,
-- tokenises them, parses them into AST tables with a Pratt parser, constant-folds a copy and
-- evaluates both with an environment of variables.
local N = tonumber(arg and arg[1]) or 3000
math.randomseed(21)

local function gen(depth)
  if depth == 0 or math.random() < 0.2 then
    if math.random() < 0.5 then return tostring(math.random(0, 99)) end
    return ({ "x", "y", "z", "w" })[math.random(4)]
  end
  local op = ({ "+", "-", "*", "+", "-" })[math.random(5)]
  local s = gen(depth - 1) .. " " .. op .. " " .. gen(depth - 1)
  if math.random() < 0.4 then s = "(" .. s .. ")" end
  return s
end

local function tokenize(src)
  local tokens = {}
  for num, name, op in src:gmatch("%s*(%d*)(%a*)([^%s%w]?)") do
    if num ~= "" then tokens[#tokens + 1] = { kind = "num", value = tonumber(num) } end
    if name ~= "" then tokens[#tokens + 1] = { kind = "name", value = name } end
    if op ~= "" then tokens[#tokens + 1] = { kind = "op", value = op } end
  end
  tokens[#tokens + 1] = { kind = "eof" }
  return tokens
end

local binding = { ["+"] = 10, ["-"] = 10, ["*"] = 20 }
local function parse(tokens)
  local pos = 1
  local function peek() return tokens[pos] end
  local function take() pos = pos + 1; return tokens[pos - 1] end
  local expr
  local function primary()
    local t = take()
    if t.kind == "num" then return { tag = "num", value = t.value } end
    if t.kind == "name" then return { tag = "var", name = t.value } end
    if t.value == "(" then
      local e = expr(0)
      take()
      return e
    end
    error("unexpected token " .. tostring(t.value))
  end
  function expr(min)
    local left = primary()
    while true do
      local t = peek()
      local bp = t.kind == "op" and binding[t.value]
      if not bp or bp <= min then return left end
      take()
      left = { tag = "bin", op = t.value, left = left, right = expr(bp) }
    end
  end
  return expr(0)
end

local function fold(node)
  if node.tag ~= "bin" then return node end
  local l, r = fold(node.left), fold(node.right)
  if l.tag == "num" and r.tag == "num" then
    local v = node.op == "+" and l.value + r.value or node.op == "-" and l.value - r.value or l.value * r.value
    return { tag = "num", value = v }
  end
  return { tag = "bin", op = node.op, left = l, right = r }
end

local function eval(node, env)
  if node.tag == "num" then return node.value end
  if node.tag == "var" then return env[node.name] end
  local l, r = eval(node.left, env), eval(node.right, env)
  if node.op == "+" then return l + r elseif node.op == "-" then return l - r end
  return l * r
end

local function size(node)
  if node.tag ~= "bin" then return 1 end
  return 1 + size(node.left) + size(node.right)
end

local total, nodes, folded_nodes, token_count = 0, 0, 0, 0
local env = { x = 3, y = -2, z = 7, w = 1 }
for i = 1, N do
  local src = gen(7)
  local tokens = tokenize(src)
  token_count = token_count + #tokens
  local ast = parse(tokens)
  local folded = fold(ast)
  local a, b = eval(ast, env), eval(folded, env)
  assert(a == b, "folding changed the value of " .. src)
  total = (total + a) % 1000000007
  nodes = nodes + size(ast)
  folded_nodes = folded_nodes + size(folded)
  env.x = i % 13
end
print("tokens", token_count, "nodes", nodes, "after folding", folded_nodes, "checksum", total)

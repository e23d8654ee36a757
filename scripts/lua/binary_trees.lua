-- binary_trees.lua N: the classic allocation benchmark. A long-lived tree of depth N stays
-- alive while many short-lived trees of growing depth are built, checked and dropped.
local N = tonumber(arg and arg[1]) or 14

local function bottom_up(depth)
  if depth == 0 then return { } end
  depth = depth - 1
  return { bottom_up(depth), bottom_up(depth) }
end

local function check(tree)
  if tree[1] then return 1 + check(tree[1]) + check(tree[2]) end
  return 1
end

local max_depth = math.max(6, N)
print(string.format("stretch tree of depth %d\t check: %d", max_depth + 1, check(bottom_up(max_depth + 1))))

local long_lived = bottom_up(max_depth)
for depth = 4, max_depth, 2 do
  local iterations = 1 << (max_depth - depth + 4)
  local total = 0
  for _ = 1, iterations do total = total + check(bottom_up(depth)) end
  print(string.format("%d\t trees of depth %d\t check: %d", iterations, depth, total))
end
print(string.format("long lived tree of depth %d\t check: %d", max_depth, check(long_lived)))

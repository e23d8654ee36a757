-- Lua 5.4 twin of binary_trees.gw: same algorithm, same output.
local N = 14

local function make_tree(depth)
    if depth == 0 then
        return {}
    end
    return { make_tree(depth - 1), make_tree(depth - 1) }
end

local function check(tree)
    if #tree == 0 then
        return 1
    end
    return 1 + check(tree[1]) + check(tree[2])
end

local max_depth = math.max(6, N)
local stretch = max_depth + 1
print(string.format("stretch tree of depth %d check: %d", stretch, check(make_tree(stretch))))
local long_lived = make_tree(max_depth)
local depth = 4
while depth <= max_depth do
    local iterations = 1 << (max_depth - depth + 4)
    local total = 0
    for _ = 0, iterations - 1 do
        total = total + check(make_tree(depth))
    end
    print(string.format("%d trees of depth %d check: %d", iterations, depth, total))
    depth = depth + 2
end
print(string.format("long lived tree of depth %d check: %d", max_depth, check(long_lived)))

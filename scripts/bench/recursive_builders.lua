-- Lua 5.4 twin of recursive_builders.gw: same algorithm, same output (Lua's tables are
-- references, so its helpers update in place as written).
local N = 150000

local function put(m, k, v) m[k] = v return m end

local function build(m, n)
    if n == 0 then return m end
    return build(put(m, "k" .. tostring(n % 5000), n), n - 1)
end

local function build_bound(m, n)
    if n == 0 then return m end
    local nxt = put(m, "b" .. tostring(n % 3000), n * 2)
    return build_bound(nxt, n - 1)
end

local function upto(n)
    if n == 0 then return {} end
    local l = upto(n - 1)
    l[#l + 1] = n % 1000
    return l
end

local Stack = {}
Stack.__index = Stack
function Stack:push(v)
    self.items[#self.items + 1] = v
    self.total = (self.total + v) % 1000003
    return self
end

local function size(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end

local checksum = 0
for round = 0, 3 do
    local m = build({}, N)
    checksum = (checksum + size(m) + m["k7"]) % 1000003
    local b = build_bound({}, N)
    checksum = (checksum + size(b) + b["b11"]) % 1000003
    local l = upto(5000)
    local sum = 0
    for _, v in ipairs(l) do sum = sum + v end
    checksum = (checksum + #l + sum) % 1000003
    local st = setmetatable({items = {}, total = 0}, Stack)
    for i = 0, N - 1 do st = st:push(i % 977) end
    checksum = (checksum + #st.items + st.total) % 1000003
end
print("checksum: " .. checksum)

-- Lua 5.4 twin of struct_methods.gw: same algorithm, same output.
local N = 400000

local Vec = {}
Vec.__index = Vec
local function new_vec(x, y) return setmetatable({x = x, y = y}, Vec) end
function Vec:dot(o) return self.x * o.x + self.y * o.y end
function Vec:scaled(k) return new_vec(self.x * k, self.y * k) end
function Vec:add(o) return new_vec(self.x + o.x, self.y + o.y) end

local acc = new_vec(0, 0)
local body = {pos = new_vec(1, 2), mass = 3, hits = 0}
local checksum = 0
for i = 0, N - 1 do
    local v = new_vec(i % 10, i % 7)
    acc = acc:add(v:scaled(2))
    checksum = (checksum + v:dot(acc)) % 1000003
    body.mass = (body.mass + v.x) % 101
    if body.mass > 50 then
        body.hits = body.hits + 1
    end
    acc.x = acc.x % 1000
    acc.y = acc.y % 1000
end
print("acc: Vec { x: " .. acc.x .. ", y: " .. acc.y .. " }")
print("checksum: " .. checksum .. " mass: " .. body.mass .. " hits: " .. body.hits)

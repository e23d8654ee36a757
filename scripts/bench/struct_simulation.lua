-- Lua 5.4 twin of struct_simulation.gw: same algorithm, same output. Struct instances are
-- tables copied on update, as Glimmer-Weave's value semantics copy them.
local N = 1000

local function copy(t)
    local c = {}
    for k, v in pairs(t) do
        c[k] = v
    end
    return c
end

local function step_particle(p, world)
    local q = copy(p)
    q.x = q.x + q.vx
    q.y = q.y + q.vy
    local bounced = 0
    if q.x < 0 or q.x >= world.width then
        q.vx = 0 - q.vx
        q.x = q.x + 2 * q.vx
        bounced = 1
    end
    if q.y < 0 or q.y >= world.height then
        q.vy = 0 - q.vy
        q.y = q.y + 2 * q.vy
        bounced = bounced + 1
    end
    return { q, bounced }
end

local function step_world(world)
    local next_world = copy(world)
    local moved = {}
    local bounces = world.bounces
    for _, p in ipairs(world.particles) do
        local result = step_particle(p, world)
        moved[#moved + 1] = result[1]
        bounces = bounces + result[2]
    end
    next_world.particles = moved
    next_world.bounces = bounces
    return next_world
end

local function show(p) -- Glimmer-Weave's display form: fields in name order
    return string.format("Particle { id: %d, vx: %d, vy: %d, x: %d, y: %d }", p.id, p.vx, p.vy,
        p.x, p.y)
end

local particles = {}
for i = 0, 499 do
    particles[#particles + 1] =
        { id = i, x = (i * 37) % 1000, y = (i * 91) % 600, vx = i % 7 - 3, vy = i % 5 - 2 }
end
local world = { width = 1000, height = 600, particles = particles, bounces = 0 }
for _ = 1, N do
    world = step_world(world)
end

local sum_x, sum_y, checksum = 0, 0, 0
for _, p in ipairs(world.particles) do
    sum_x = sum_x + p.x
    sum_y = sum_y + p.y
    checksum = (checksum * 31 + p.x * 7 + p.y) % 1000000007
end
print(string.format("steps: %d particles: %d", N, #world.particles))
print(string.format("sum x: %d sum y: %d bounces: %d", sum_x, sum_y, world.bounces))
print(string.format("checksum: %d", checksum))
print(show(world.particles[1]) .. " " .. show(world.particles[500]))

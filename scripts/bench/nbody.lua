-- Lua 5.4 twin of nbody.gw: same algorithm, same output (bodies are tables with named fields).
local N = 100000

local PI = 3.141592653589793
local SOLAR_MASS = 4 * PI * PI
local DAYS = 365.24

local function body(x, y, z, vx, vy, vz, mass)
  return { x = x, y = y, z = z, vx = vx * DAYS, vy = vy * DAYS, vz = vz * DAYS,
           mass = mass * SOLAR_MASS }
end

local bodies = {
  body(0, 0, 0, 0, 0, 0, 1),
  body(4.84143144246472090, -1.16032004402742839, -1.03622044471123109 / 10,
       1.66007664274403694 / 1000, 7.69901118419740425 / 1000, -6.90460016972063023 / 100000,
       9.54791938424326609 / 10000),
  body(8.34336671824457987, 4.12479856412430479, -4.03523417114321381 / 10,
       -2.76742510726862411 / 1000, 4.99852801234917238 / 1000, 2.30417297573763929 / 100000,
       2.85885980666130812 / 10000),
  body(1.28943695621391310 * 10, -1.51111514016986312 * 10, -2.23307578892655734 / 10,
       2.96460137564761618 / 1000, 2.37847173959480950 / 1000, -2.96589568540237556 / 100000,
       4.36624404335156298 / 100000),
  body(1.53796971148509165 * 10, -2.59193146099879641 * 10, 1.79258772950371181 / 10,
       2.68067772490389322 / 1000, 1.62824170038242295 / 1000, -9.51592254519715870 / 100000,
       5.15138902046611451 / 100000),
}
local COUNT = #bodies

local function offset_momentum(bodies)
  local px, py, pz = 0, 0, 0
  for _, b in ipairs(bodies) do
    px = px + b.vx * b.mass
    py = py + b.vy * b.mass
    pz = pz + b.vz * b.mass
  end
  local sun = bodies[1]
  sun.vx = 0 - px / SOLAR_MASS
  sun.vy = 0 - py / SOLAR_MASS
  sun.vz = 0 - pz / SOLAR_MASS
end

local function energy(bodies)
  local e = 0
  for i = 1, COUNT do
    local b = bodies[i]
    e = e + 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy + b.vz * b.vz)
    for j = i + 1, COUNT do
      local c = bodies[j]
      local dx, dy, dz = b.x - c.x, b.y - c.y, b.z - c.z
      e = e - b.mass * c.mass / math.sqrt(dx * dx + dy * dy + dz * dz)
    end
  end
  return e
end

offset_momentum(bodies)
print("energy before x 1e9: " .. math.floor(energy(bodies) * 1000000000))
local DT = 0.01
for _ = 1, N do
  for i = 1, COUNT do
    local b = bodies[i]
    for j = i + 1, COUNT do
      local c = bodies[j]
      local dx, dy, dz = b.x - c.x, b.y - c.y, b.z - c.z
      local d2 = dx * dx + dy * dy + dz * dz
      local mag = DT / (d2 * math.sqrt(d2))
      b.vx = b.vx - dx * c.mass * mag
      b.vy = b.vy - dy * c.mass * mag
      b.vz = b.vz - dz * c.mass * mag
      c.vx = c.vx + dx * b.mass * mag
      c.vy = c.vy + dy * b.mass * mag
      c.vz = c.vz + dz * b.mass * mag
    end
  end
  for i = 1, COUNT do
    local b = bodies[i]
    b.x = b.x + DT * b.vx
    b.y = b.y + DT * b.vy
    b.z = b.z + DT * b.vz
  end
end
print("energy after x 1e9: " .. math.floor(energy(bodies) * 1000000000))

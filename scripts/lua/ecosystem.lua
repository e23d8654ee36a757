-- ecosystem.lua N: a small predator/prey simulation on a grid. Animals are tables that are
-- born, move, eat, age and die; every tick allocates new positions and event records.
local N = tonumber(arg and arg[1]) or 200
math.randomseed(13)

local W, H = 64, 64
local animals = {}
local next_id = 1
local function spawn(kind, x, y)
  local a = { id = next_id, kind = kind, x = x, y = y, energy = kind == "fox" and 30 or 12, age = 0, log = {} }
  next_id = next_id + 1
  animals[#animals + 1] = a
  return a
end
for _ = 1, 600 do spawn("rabbit", math.random(W), math.random(H)) end
for _ = 1, 60 do spawn("fox", math.random(W), math.random(H)) end

local history = {}
for tick = 1, N do
  local grid = {}
  for _, a in ipairs(animals) do
    local key = a.y * 1000 + a.x
    local cell = grid[key]
    if not cell then cell = {}; grid[key] = cell end
    cell[#cell + 1] = a
  end
  local born = {}
  for _, a in ipairs(animals) do
    if a.energy > 0 then
      a.x = (a.x + math.random(-1, 1) - 1) % W + 1
      a.y = (a.y + math.random(-1, 1) - 1) % H + 1
      a.age = a.age + 1
      if a.kind == "rabbit" then
        a.energy = a.energy + 1
        if a.energy > 16 and #animals < 5000 and math.random() < 0.25 then
          a.energy = a.energy - 8
          born[#born + 1] = { "rabbit", a.x, a.y }
        end
      else
        a.energy = a.energy - 1
        local cell = grid[a.y * 1000 + a.x]
        if cell then
          for _, prey in ipairs(cell) do
            if prey.kind == "rabbit" and prey.energy > 0 then
              prey.energy = 0
              a.energy = a.energy + 10
              a.log[#a.log + 1] = { tick = tick, ate = prey.id }
              break
            end
          end
        end
        if a.energy > 60 then a.energy = a.energy - 25; born[#born + 1] = { "fox", a.x, a.y } end
      end
      if a.age > (a.kind == "fox" and 120 or 60) then a.energy = 0 end
    end
  end
  local alive = {}
  for _, a in ipairs(animals) do if a.energy > 0 then alive[#alive + 1] = a end end
  animals = alive
  for _, b in ipairs(born) do spawn(b[1], b[2], b[3]) end
  if #animals < 200 then for _ = 1, 100 do spawn("rabbit", math.random(W), math.random(H)) end end
  local foxes = 0
  for _, a in ipairs(animals) do if a.kind == "fox" then foxes = foxes + 1 end end
  history[#history + 1] = { tick = tick, rabbits = #animals - foxes, foxes = foxes }
  if tick % (N // 5 > 0 and N // 5 or 1) == 0 then
    print(string.format("tick %4d: %5d rabbits %4d foxes", tick, #animals - foxes, foxes))
  end
end
local meals = 0
for _, a in ipairs(animals) do meals = meals + #a.log end
print("animals ever", next_id - 1, "meals of the living foxes", meals, "history", #history)

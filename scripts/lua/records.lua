-- records.lua N: an in-memory "database" of N employee records with nested tables; group by
-- department, index by name, update salaries, delete and re-insert a slice, report aggregates.
local N = tonumber(arg and arg[1]) or 20000
math.randomseed(7)

local departments = { "engineering", "sales", "support", "research", "finance", "legal" }
local first = { "ada", "alan", "grace", "edsger", "barbara", "ken", "dennis", "niklaus", "john", "frances" }
local last = { "lovelace", "turing", "hopper", "dijkstra", "liskov", "thompson", "ritchie", "wirth" }

local function make_record(id)
  local name = first[math.random(#first)] .. " " .. last[math.random(#last)] .. " #" .. id
  return {
    id = id,
    name = name,
    department = departments[math.random(#departments)],
    salary = 30000 + math.random(0, 90000),
    address = { street = math.random(1, 999) .. " main st", zip = string.format("%05d", math.random(0, 99999)) },
    skills = { "lua", math.random(2) == 1 and "c" or "asm", "skill" .. math.random(50) },
  }
end

local db, by_name = {}, {}
for id = 1, N do
  local r = make_record(id)
  db[id] = r
  by_name[r.name] = r
end

local function report()
  local groups = {}
  for _, r in ipairs(db) do
    if r then
      local g = groups[r.department]
      if not g then g = { count = 0, total = 0, names = {} }; groups[r.department] = g end
      g.count = g.count + 1
      g.total = g.total + r.salary
      g.names[#g.names + 1] = r.name
    end
  end
  for _, d in ipairs(departments) do
    local g = groups[d]
    table.sort(g.names)
    print(string.format("%-12s %6d people, mean salary %9.2f, first %s", d, g.count, g.total / g.count, g.names[1]))
  end
end

report()
for round = 1, 3 do
  for id = round, N, 7 do
    local r = db[id]
    r.salary = r.salary + 1000 * round
    r.history = r.history or {}
    r.history[#r.history + 1] = { round = round, note = "raise to " .. r.salary }
  end
  for id = round * 3, N, 11 do
    by_name[db[id].name] = nil
    local r = make_record(id)
    db[id] = r
    by_name[r.name] = r
  end
  collectgarbage("step", 0)
end
report()
local with_history = 0
for _, r in ipairs(db) do if r.history then with_history = with_history + #r.history end end
print("history entries", with_history)

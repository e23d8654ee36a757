-- Lua 5.4 twin of spectral_norm.gw: same algorithm, same output.
local N = 250

local function a(i, j)
  local ij = i + j
  return 1 / (ij * (ij + 1) / 2 + i + 1)
end

local function times(v, n)
  local out = {}
  for i = 0, n - 1 do
    local sum = 0
    for j = 0, n - 1 do
      sum = sum + a(i, j) * v[j + 1]
    end
    out[#out + 1] = sum
  end
  return out
end

local function times_transposed(v, n)
  local out = {}
  for i = 0, n - 1 do
    local sum = 0
    for j = 0, n - 1 do
      sum = sum + a(j, i) * v[j + 1]
    end
    out[#out + 1] = sum
  end
  return out
end

local function times_ata(v, n)
  return times_transposed(times(v, n), n)
end

local u = {}
for i = 1, N do u[i] = 1 end
local v
for _ = 1, 10 do
  v = times_ata(u, N)
  u = times_ata(v, N)
end
local vbv, vv = 0, 0
for i = 1, N do
  vbv = vbv + u[i] * v[i]
  vv = vv + v[i] * v[i]
end
print("norm x 1e9: " .. math.floor(math.sqrt(vbv / vv) * 1000000000))

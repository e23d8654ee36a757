-- Lua 5.4 twin of fannkuch.gw: same algorithm, same output (perm1[i + 1] holds position i).
local N = 9

local perm1, count = {}, {}
for i = 0, N - 1 do
  perm1[i + 1] = i
  count[i + 1] = 0
end
local max_flips, checksum, permutations = 0, 0, 0
local r = N
local running = true
while running do
  while r ~= 1 do
    count[r] = r
    r = r - 1
  end
  local perm = {}
  for i = 1, N do perm[i] = perm1[i] end
  local flips = 0
  local k = perm[1]
  while k ~= 0 do
    local lo, hi = 0, k
    while lo < hi do
      local t = perm[lo + 1]
      perm[lo + 1] = perm[hi + 1]
      perm[hi + 1] = t
      lo = lo + 1
      hi = hi - 1
    end
    flips = flips + 1
    k = perm[1]
  end
  max_flips = math.max(max_flips, flips)
  if permutations % 2 == 0 then
    checksum = checksum + flips
  else
    checksum = checksum - flips
  end
  permutations = permutations + 1
  local advanced = false
  while not advanced do
    if r == N then
      running = false
      break
    end
    local first = perm1[1]
    for i = 0, r - 1 do
      perm1[i + 1] = perm1[i + 2]
    end
    perm1[r + 1] = first
    count[r + 1] = count[r + 1] - 1
    if count[r + 1] > 0 then
      advanced = true
    else
      r = r + 1
    end
  end
end
print("checksum: " .. checksum)
print("Pfannkuchen(" .. N .. ") = " .. max_flips)

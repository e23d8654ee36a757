-- Breadth-first search on a grid; the twin of bfs_grid.gw.
local N = 50
local W = 120
local function wall(x, y)
  return (x * 7 + y * 13) % 11 == 0 and not (x == 0 and y == 0)
end
local total = 0
for round = 0, N - 1 do
  local dist = {}
  for i = 0, W * W - 1 do dist[i] = -1 end
  dist[round] = 0
  local queue = { round }
  local head = 1
  while head <= #queue do
    local cur = queue[head]
    head = head + 1
    local x = cur % W
    local y = cur // W
    for _, d in ipairs({ { 1, 0 }, { -1, 0 }, { 0, 1 }, { 0, -1 } }) do
      local nx, ny = x + d[1], y + d[2]
      if nx >= 0 and ny >= 0 and nx < W and ny < W then
        local idx = ny * W + nx
        if dist[idx] == -1 and not wall(nx, ny) then
          dist[idx] = dist[cur] + 1
          queue[#queue + 1] = idx
        end
      end
    end
  end
  total = total + dist[W * W - 1] + #queue
end
print("total: " .. total)

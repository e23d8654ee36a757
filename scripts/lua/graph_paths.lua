-- graph_paths.lua N: a random sparse graph of N vertices as adjacency tables; breadth-first
-- search, Dijkstra with a binary heap of small tables, and connected components.
local N = tonumber(arg and arg[1]) or 20000
math.randomseed(11)

local graph = {}
for v = 1, N do graph[v] = {} end
for _ = 1, N * 3 do
  local a, b = math.random(N), math.random(N)
  if a ~= b then
    local w = math.random(1, 100)
    local ea, eb = graph[a], graph[b]
    ea[#ea + 1] = { to = b, w = w }
    eb[#eb + 1] = { to = a, w = w }
  end
end

local function bfs(source)
  local dist, queue, head = { [source] = 0 }, { source }, 1
  while head <= #queue do
    local v = queue[head]; head = head + 1
    for _, e in ipairs(graph[v]) do
      if not dist[e.to] then dist[e.to] = dist[v] + 1; queue[#queue + 1] = e.to end
    end
  end
  return dist, #queue
end

local function push(heap, item)
  heap[#heap + 1] = item
  local i = #heap
  while i > 1 do
    local p = i // 2
    if heap[p].d <= heap[i].d then break end
    heap[p], heap[i] = heap[i], heap[p]
    i = p
  end
end

local function pop(heap)
  local top, last = heap[1], table.remove(heap)
  if #heap > 0 then
    heap[1] = last
    local i = 1
    while true do
      local l, r, m = 2 * i, 2 * i + 1, i
      if l <= #heap and heap[l].d < heap[m].d then m = l end
      if r <= #heap and heap[r].d < heap[m].d then m = r end
      if m == i then break end
      heap[m], heap[i] = heap[i], heap[m]
      i = m
    end
  end
  return top
end

local function dijkstra(source)
  local dist, heap, settled = {}, {}, 0
  dist[source] = 0
  push(heap, { v = source, d = 0 })
  while #heap > 0 do
    local item = pop(heap)
    if item.d == dist[item.v] then
      settled = settled + 1
      for _, e in ipairs(graph[item.v]) do
        local nd = item.d + e.w
        if not dist[e.to] or nd < dist[e.to] then
          dist[e.to] = nd
          push(heap, { v = e.to, d = nd })
        end
      end
    end
  end
  return dist, settled
end

local components, seen = 0, {}
for v = 1, N do
  if not seen[v] then
    components = components + 1
    local dist = bfs(v)
    for u in pairs(dist) do seen[u] = true end
  end
end
print("components", components)
for _, s in ipairs({ 1, N // 2, N }) do
  local d, reached = bfs(s)
  local far = 0
  for v = 1, N do if d[v] and d[v] > far then far = d[v] end end
  local dd, settled = dijkstra(s)
  local sum = 0
  for v = 1, N do if dd[v] then sum = sum + dd[v] end end
  print(string.format("source %d: reached %d, eccentricity %d, settled %d, distance sum %d", s, reached, far, settled, sum))
end

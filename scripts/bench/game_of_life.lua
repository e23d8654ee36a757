-- Lua 5.4 twin of game_of_life.gw: same algorithm, same output.
local N = 60
local W = 48

local function as_num(b)
    if b then return 1 end
    return 0
end

local grid = {}
for y = 0, W - 1 do
    local row = {}
    for x = 0, W - 1 do
        row[#row + 1] = (x * y + x) % 3 == 0 or (x + 2 * y) % 7 == 1
    end
    grid[#grid + 1] = row
end

for gen = 0, N - 1 do
    local next = {}
    for y = 0, W - 1 do
        local row = {}
        for x = 0, W - 1 do
            local n = 0
            for dy = -1, 1 do
                for dx = -1, 1 do
                    if not (dy == 0 and dx == 0) then
                        local yy, xx = y + dy, x + dx
                        if yy >= 0 and xx >= 0 and yy < W and xx < W then
                            n = n + as_num(grid[yy + 1][xx + 1])
                        end
                    end
                end
            end
            row[#row + 1] = n == 3 or (grid[y + 1][x + 1] and n == 2)
        end
        next[#next + 1] = row
    end
    grid = next
end

local alive, weighted = 0, 0
for y = 0, W - 1 do
    for x = 0, W - 1 do
        if grid[y + 1][x + 1] then
            alive = alive + 1
            weighted = (weighted + y * W + x) % 1000003
        end
    end
end
print("alive: " .. alive .. " weighted: " .. weighted)

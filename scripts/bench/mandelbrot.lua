-- Mandelbrot: twin of mandelbrot.gw.
local N = 400
local LIMIT = 50
local inside, checksum = 0, 0
for y = 0, N - 1 do
  local ci = 2 * y / N - 1
  for x = 0, N - 1 do
    local cr = 2 * x / N - 1.5
    local zr, zi, i = 0.0, 0.0, 0
    while i < LIMIT and zr * zr + zi * zi <= 4 do
      local t = zr * zr - zi * zi + cr
      zi = 2 * zr * zi + ci
      zr = t
      i = i + 1
    end
    if i == LIMIT then
      inside = inside + 1
    else
      checksum = (checksum * 31 + i) % 1000003
    end
  end
end
print("inside: " .. inside .. " checksum: " .. checksum)

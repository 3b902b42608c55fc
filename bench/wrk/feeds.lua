-- Feeds of a little milk from other babies' bottles, taken in turn: the writers that a check
-- must not wait for. BENCH_PAIRS is "wristband:code,wristband:code,..."; BENCH_TOKEN signs in.
local pairs_list = {}
for pair in string.gmatch(os.getenv("BENCH_PAIRS"), "[^,]+") do
  local wristband, code = string.match(pair, "([^:]+):([^:]+)")
  table.insert(pairs_list, {wristband, code})
end
local headers = {["Content-Type"] = "application/json",
                 ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")}
local counter = 0

setup = function(thread)
  thread:set("offset", math.random(1, #pairs_list))
end

request = function()
  counter = counter + 1
  local pair = pairs_list[((counter + (offset or 0)) % #pairs_list) + 1]
  local body = string.format(
    '{"infant_code": "%s", "container_code": "%s", "volume_ml": 0.1, ' ..
    '"acknowledge_warnings": true}', pair[1], pair[2])
  return wrk.format("POST", "/api/v1/feeds", headers, body)
end

dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

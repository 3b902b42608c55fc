-- One request, repeated: method, path, JSON body and bearer token come from the environment.
-- At the end report.lua prints the figures for bench/harness.py.
wrk.method = os.getenv("BENCH_METHOD") or "POST"
wrk.path = os.getenv("BENCH_PATH") or "/"
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

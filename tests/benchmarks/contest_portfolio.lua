-- GET /v1/contests/{id}/portfolio as a random one of the contest's traders
-- (tests/benchmarks/contests.py).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local tokens, path

function init(args)
  seed_thread()
  tokens = read_lines("contests-tokens.txt")
  path = "/v1/contests/" .. read_lines("contests-contest.txt")[1] .. "/portfolio"
end

function request()
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. pick(tokens) })
end

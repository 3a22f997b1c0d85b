-- GET /v1/leagues/current as one of the league bench's members (a random bearer token per
-- request).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local tokens

function init(args)
  seed_thread()
  tokens = read_lines("league-tokens.txt")
end

function request()
  return wrk.format("GET", "/v1/leagues/current", { ["Authorization"] = "Bearer " .. pick(tokens) })
end

-- GET /v1/me as one of the accounts data set's users (a random bearer token per request).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local tokens

function init(args)
  seed_thread()
  tokens = read_lines("accounts-tokens.txt")
end

function request()
  return wrk.format("GET", "/v1/me", { ["Authorization"] = "Bearer " .. pick(tokens) })
end

-- POST /v1/contests/{id}/orders: a market buy of one lot of a cheap instrument, as a random one
-- of the contest's traders, with a fresh client_order_id each time (tests/benchmarks/contests.py).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local tokens, symbols, path
local sent = 0

function init(args)
  seed_thread()
  tokens = read_lines("contests-tokens.txt")
  symbols = read_lines("contests-symbols.txt")
  path = "/v1/contests/" .. read_lines("contests-contest.txt")[1] .. "/orders"
end

function request()
  sent = sent + 1
  local body = string.format(
    '{"symbol":"%s","side":"buy","type":"market","quantity":100,"client_order_id":"b%d-%d-%d-%d"}',
    pick(symbols), os.time(), bench_thread, sent, math.random(1, 1000000000)
  )
  local headers = {
    ["Authorization"] = "Bearer " .. pick(tokens),
    ["Content-Type"] = "application/json",
  }
  return wrk.format("POST", path, headers, body)
end

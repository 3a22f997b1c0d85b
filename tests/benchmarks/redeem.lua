-- The redemption storm: POST /v1/vouchers/redemptions as a random one of the funded users,
-- with a fresh Idempotency-Key each time; SCARCE_SHARE of the requests go for the one scarce
-- product, the rest for one of the plentiful ones.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local SCARCE_SHARE = 0.2
local tokens, scarce, plentiful
local sent = 0

function init(args)
  seed_thread()
  tokens = read_lines("vouchers-tokens.txt")
  scarce = read_lines("vouchers-scarce.txt")[1]
  plentiful = read_lines("vouchers-plentiful.txt")
end

function request()
  sent = sent + 1
  local product = math.random() < SCARCE_SHARE and scarce or pick(plentiful)
  local headers = {
    ["Authorization"] = "Bearer " .. pick(tokens),
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format(
      "bench-%d-%d-%d-%d", os.time(), bench_thread, sent, math.random(1, 1000000000)
    ),
  }
  return wrk.format(
    "POST", "/v1/vouchers/redemptions", headers, '{"product_id":"' .. product .. '"}'
  )
end

-- POST /v1/posts as one of the community data set's members, a post of about 600 characters
-- that the compliance filter reads whole (most publish; one in ten is held, one in twenty
-- names a security).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local tokens
local sentence = "今天复习了止损和仓位管理，记录一下自己的想法。Diversify and size positions so no single loss hurts. "

function init(args)
  seed_thread()
  tokens = read_lines("community-tokens.txt")
end

function request()
  local n = math.random(1000000)
  local body = string.rep(sentence, 5) .. " note " .. n
  if n % 10 == 0 then
    body = body .. " 这只稳赚"
  end
  local symbols = "[]"
  if n % 20 == 1 then
    symbols = '["600519.SH"]'
  end
  local json = '{"body": "' .. body .. '", "tags": ["notes"], "symbols": ' .. symbols .. '}'
  return wrk.format("POST", "/v1/posts", {
    ["Authorization"] = "Bearer " .. pick(tokens),
    ["Content-Type"] = "application/json",
  }, json)
end

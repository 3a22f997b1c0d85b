-- GET one feed page (the path in community-feed-path.txt: page 1, or a deep page's cursor) as
-- one of the community data set's readers (a random bearer token per request).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local tokens, path

function init(args)
  seed_thread()
  tokens = read_lines("community-tokens.txt")
  path = read_lines("community-feed-path.txt")[1]
end

function request()
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. pick(tokens) })
end

-- S1b: GET /v1/courses/{slug}, a random 20-lesson course of the learning data set.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local tokens, slugs

function init(args)
  seed_thread()
  tokens = read_lines("accounts-tokens.txt")
  slugs = read_lines("learning-courses-20.txt")
end

function request()
  return wrk.format(
    "GET", "/v1/courses/" .. pick(slugs), { ["Authorization"] = "Bearer " .. pick(tokens) }
  )
end

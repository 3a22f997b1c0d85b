-- S1a: GET /v1/lessons/{id}, a random lesson of the learning data set, as a random learner.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local tokens, lessons

function init(args)
  seed_thread()
  tokens = read_lines("accounts-tokens.txt")
  lessons = read_lines("learning-lessons.txt")
end

function request()
  return wrk.format(
    "GET", "/v1/lessons/" .. pick(lessons), { ["Authorization"] = "Bearer " .. pick(tokens) }
  )
end

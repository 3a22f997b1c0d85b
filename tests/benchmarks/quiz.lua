-- POST /v1/lessons/{id}/quiz-attempts: ten answers (mostly right) to a random lesson's quiz,
-- as a random learner. The lesson need not be opened first.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local tokens, lessons, bodies

function init(args)
  seed_thread()
  tokens = read_lines("accounts-tokens.txt")
  lessons, bodies = read_pairs("learning-quizzes.tsv")
end

function request()
  local i = math.random(#lessons)
  local headers = {
    ["Authorization"] = "Bearer " .. pick(tokens),
    ["Content-Type"] = "application/json",
  }
  return wrk.format("POST", "/v1/lessons/" .. lessons[i] .. "/quiz-attempts", headers, bodies[i])
end

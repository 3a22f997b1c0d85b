-- S8, the mobile session: what the app asks for when it is opened and used, one request of the
-- weighted mix at a time, as a random learner of the accounts data set (the lessons, courses and
-- quizzes of the learning data set). A completion is for a lesson this thread opened at least
-- OPENED_LAG requests earlier (by then that GET has been answered; the bench server completes
-- without a minimum read time); until one is, it opens a lesson instead.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local OPENED_LAG = 64
local WEIGHTS = {
  { "me", 20 },
  { "wallet", 15 },
  { "courses", 10 },
  { "course", 10 },
  { "lesson", 15 },
  { "complete", 10 },
  { "quiz", 10 },
  { "vouchers", 10 },
}
local tokens, lessons, slugs, quiz_lessons, quiz_bodies
local opened, opened_first, opened_next = {}, 1, 1
local total = 0
for _, entry in ipairs(WEIGHTS) do
  total = total + entry[2]
end

function init(args)
  seed_thread()
  tokens = read_lines("accounts-tokens.txt")
  lessons = read_lines("learning-lessons.txt")
  slugs = read_lines("learning-courses-20.txt")
  quiz_lessons, quiz_bodies = read_pairs("learning-quizzes.tsv")
end

local function choose()
  local draw = math.random() * total
  for _, entry in ipairs(WEIGHTS) do
    draw = draw - entry[2]
    if draw < 0 then
      return entry[1]
    end
  end
  return WEIGHTS[#WEIGHTS][1]
end

local function get(path, token)
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

local function post(path, token, body)
  local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  return wrk.format("POST", path, headers, body)
end

local function open_lesson(token)
  local lesson = pick(lessons)
  opened[opened_next] = { token, lesson }
  opened_next = opened_next + 1
  return get("/v1/lessons/" .. lesson, token)
end

local function complete_opened()
  if opened_next - opened_first <= OPENED_LAG then
    return open_lesson(pick(tokens))
  end
  local token, lesson = opened[opened_first][1], opened[opened_first][2]
  opened[opened_first] = nil
  opened_first = opened_first + 1
  local path = "/v1/lessons/" .. lesson .. "/complete"
  return wrk.format("POST", path, { ["Authorization"] = "Bearer " .. token })
end

function request()
  local kind, token = choose(), pick(tokens)
  if kind == "me" then
    return get("/v1/me", token)
  elseif kind == "wallet" then
    return get("/v1/me/wallet", token)
  elseif kind == "courses" then
    return get("/v1/courses", token)
  elseif kind == "course" then
    return get("/v1/courses/" .. pick(slugs), token)
  elseif kind == "lesson" then
    return open_lesson(token)
  elseif kind == "complete" then
    return complete_opened()
  elseif kind == "quiz" then
    local i = math.random(#quiz_lessons)
    return post("/v1/lessons/" .. quiz_lessons[i] .. "/quiz-attempts", token, quiz_bodies[i])
  end
  return get("/v1/vouchers/products", token)
end

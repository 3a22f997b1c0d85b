-- POST /v1/auth/login with the right password, as a random user of the accounts data set:
-- spread over many accounts, and never a wrong password, so no throttle is ever reached.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local emails, password

function init(args)
  seed_thread()
  emails = read_lines("accounts-emails.txt")
  password = read_lines("accounts-password.txt")[1]
end

function request()
  local body = string.format('{"email":"%s","password":"%s"}', pick(emails), password)
  return wrk.format("POST", "/v1/auth/login", { ["Content-Type"] = "application/json" }, body)
end

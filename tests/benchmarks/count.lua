-- Sends exactly BENCH_COUNT_REQUESTS requests of a scenario on one connection, one at a time,
-- then stops and creates the file BENCH_COUNT_DONE: the run the bench counts round trips and
-- statements over (wrk -t1 -c1). wrk itself waits out its duration; the bench, seeing the file,
-- ends it early with SIGINT (which still prints the report).
--
-- BENCH_WRK_SCRIPT, when set, is the scenario's own script (method, body, headers); it is loaded
-- first, and its setup, init and response still run.

local scenario_script = os.getenv("BENCH_WRK_SCRIPT")
if scenario_script and scenario_script ~= "" then
  dofile(scenario_script)
end

local limit = tonumber(os.getenv("BENCH_COUNT_REQUESTS"))
local done_file = os.getenv("BENCH_COUNT_DONE")
local scenario_response = response
local answered = 0

function response(status, headers, body)
  if scenario_response then
    scenario_response(status, headers, body)
  end
  answered = answered + 1
  if answered == limit then
    wrk.thread:stop()
    io.open(done_file, "w"):close()
  end
end

-- Holds wrk to a rate, since wrk (unlike wrk2) has none: before each request every connection
-- waits an exponentially distributed delay of mean BENCH_PACE_INTERVAL_MS, so together the
-- connections send roughly Poisson arrivals at connections / (interval + response time); wrk.py
-- sets the interval with the response time allowed for. wrk starts a request's latency clock
-- when it writes the request, after the delay.
--
-- BENCH_WRK_SCRIPT, when set, is the scenario's own script (method, body, headers); it is loaded
-- first, and its setup and init still run.

local scenario_script = os.getenv("BENCH_WRK_SCRIPT")
if scenario_script and scenario_script ~= "" then
  dofile(scenario_script)
end

local interval_ms = tonumber(os.getenv("BENCH_PACE_INTERVAL_MS"))
local scenario_setup, scenario_init = setup, init
local threads = 0

function setup(thread)
  -- Each thread has its own Lua state, seeded alike unless told apart here.
  threads = threads + 1
  thread:set("pace_seed", threads)
  if scenario_setup then
    scenario_setup(thread)
  end
end

function init(args)
  math.randomseed(pace_seed)
  if scenario_init then
    scenario_init(args)
  end
end

function delay()
  return math.floor(-math.log(1 - math.random()) * interval_ms + 0.5)
end

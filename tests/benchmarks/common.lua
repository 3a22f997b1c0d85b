-- Shared by the scenario scripts (each loads it first with dofile): reading the data files
-- the bench wrote to BENCH_DATA_DIR, per-thread numbering and seeding, and counting responses
-- by status. At the end it prints one `bench-status CODE COUNT` line per status, which
-- tests/benchmarks/wrk.py reads. Works alone and under pace.lua, which wraps setup and init.

local data_dir = os.getenv("BENCH_DATA_DIR")
local threads = {}

function data_path(name)
  return data_dir .. "/" .. name
end

-- Every line of a data file, as a list of strings.
function read_lines(name)
  local lines = {}
  for line in io.lines(data_path(name)) do
    if line ~= "" then
      lines[#lines + 1] = line
    end
  end
  if #lines == 0 then
    error("no data in " .. data_path(name))
  end
  return lines
end

-- Lines of `a<TAB>b` as two parallel lists.
function read_pairs(name)
  local firsts, seconds = {}, {}
  for _, line in ipairs(read_lines(name)) do
    local first, second = line:match("^([^\t]*)\t(.*)$")
    firsts[#firsts + 1] = first
    seconds[#seconds + 1] = second
  end
  return firsts, seconds
end

function pick(list)
  return list[math.random(#list)]
end

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("bench_thread", #threads)
end

-- Call from the scenario's init: seeds this thread's random numbers apart from the others'
-- and from earlier runs (the run's start second is in the seed).
function seed_thread()
  math.randomseed(os.time() * 100 + bench_thread)
  math.random()
end

statuses = {}

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  for status, count in pairs(totals) do
    io.write(string.format("bench-status %d %d\n", status, count))
  end
end

-- wrk script for bench/soak.sh: the deliveries of push.lua, paced to a fixed rate (Debian has no
-- wrk2). Arguments after "--": <template file> <webhook secret> <run prefix> <requests per
-- second>, the first three as push.lua takes them; run it with one wrk thread (-t1).
-- The thread keeps a schedule of evenly spaced send times; before each request a connection
-- takes the next slot from delay() and waits for it. The rate holds while a connection is free
-- when its slot comes; a server that falls behind lowers it (at most 1 s of backlog is caught
-- up), and wrk's summary shows the rate reached.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "push.lua")

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } paced_timespec;
int clock_gettime(int clk_id, paced_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("paced_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local push_init = init
local interval_ms, next_ms

function init(args)
  push_init(args)
  interval_ms = 1000 / assert(tonumber(args[4]), "the 4th argument is the rate (requests/s)")
end

function delay()
  local now = now_ms()
  if not next_ms or next_ms < now - 1000 then next_ms = now end
  local wait = next_ms - now
  next_ms = next_ms + interval_ms
  return math.max(0, math.floor(wait + 0.5))
end

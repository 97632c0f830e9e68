-- wrk script of bench/bench_load_tail.sh: random bbox pages of at most 100 features over the
-- synthetic register points (Leeuwarden's extent in CRS84), paced by delay() so that the
-- machine is not saturated: each connection waits on average `delay_ms` (the first script
-- argument) before each of its requests. Without a second argument the target is the items route of the
-- `bag` collection; with one (a path), that fixed path is asked instead (the nginx baseline).
local delay_ms = 5
local fixed = nil

function init(args)
  delay_ms = tonumber(args[1]) or 5
  fixed = args[2]
  -- Each wrk thread has its own Lua state: seed each one differently.
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 1000003))
end

-- Exponentially distributed waits of mean `delay_ms` (at most 10 times it): the connections'
-- requests arrive independently, as from separate clients (Poisson arrivals). A fixed delay
-- would keep the connections in step (all started together, each waiting the same time after
-- its answer), so that every round came as one burst of CONNECTIONS requests at once.
function delay()
  local u = math.random()
  return math.min(10 * delay_ms, math.floor(-delay_ms * math.log(1 - u) + 0.5))
end

function request()
  if fixed then return wrk.format("GET", fixed) end
  -- Boxes from 0.0005 to 0.03 degrees wide somewhere over the municipality: empty ones,
  -- small ones and ones with more than 100 points (then a page of 100).
  local w = 0.0005 + math.random() ^ 2 * 0.03
  local h = w * 0.6
  local x = 5.55 + math.random() * (5.90 - 5.55 - w)
  local y = 53.05 + math.random() * (53.30 - 53.05 - h)
  local path = string.format("/collections/bag/items?bbox=%.5f,%.5f,%.5f,%.5f&limit=100&f=json",
                             x, y, x + w, y + h)
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  io.write(string.format(
    "RESULT requests=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f " ..
    "socket_errors=%d non2xx=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end

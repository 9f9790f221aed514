-- wrk script: signed Zoom deliveries from the file in ZT_DELIVERIES (one per line:
-- "timestamp<TAB>signature<TAB>body"), in which each participant connection's join is followed
-- by its leave. Every request is a distinct event, as Zoom sends them: wrk's ZT_THREADS threads
-- (2 unless set, as bench/run runs wrk) take turns through the connections from line ZT_START
-- (0 unless set), each thread sending a connection's join and then its leave, so that a
-- connection stays open as briefly as a thread's turn. The file wraps around only when
-- exhausted; bench/run moves ZT_START past what earlier runs sent. A one-line summary that
-- bench/run parses.
local deliveries = {}
for line in io.lines(os.getenv("ZT_DELIVERIES")) do
  local ts, sig, body = line:match("^([^\t]+)\t([^\t]+)\t(.*)$")
  deliveries[#deliveries + 1] = { ts = ts, sig = sig, body = body }
end
local first_connection = math.floor(tonumber(os.getenv("ZT_START") or "0") / 2)
local stride = tonumber(os.getenv("ZT_THREADS") or "2")

local created = 0
setup = function(thread)
  thread:set("thread_index", created)
  created = created + 1
end

local sent = 0
request = function()
  local connection = first_connection + thread_index + math.floor(sent / 2) * stride
  local n = 2 * connection + sent % 2  -- its join, then its leave
  sent = sent + 1
  local d = deliveries[(n % #deliveries) + 1]
  return wrk.format("POST", "/webhooks/zoom", {
    ["Content-Type"] = "application/json",
    ["x-zm-request-timestamp"] = d.ts,
    ["x-zm-signature"] = d.sig,
  }, d.body)
end

done = function(summary, latency, requests)
  local failed = summary.errors.status + summary.errors.connect + summary.errors.read +
                 summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT rps=%.1f p50_us=%d p99_us=%d requests=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.requests, failed))
end

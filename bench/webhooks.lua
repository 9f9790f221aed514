-- wrk script: signed Zoom deliveries from the file in ZT_DELIVERIES (one per line:
-- "timestamp<TAB>signature<TAB>body"), cycled; a one-line summary that bench/run parses.
local deliveries = {}
for line in io.lines(os.getenv("ZT_DELIVERIES")) do
  local ts, sig, body = line:match("^([^\t]+)\t([^\t]+)\t(.*)$")
  deliveries[#deliveries + 1] = { ts = ts, sig = sig, body = body }
end
local i = 0

request = function()
  i = i + 1
  local d = deliveries[(i % #deliveries) + 1]
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

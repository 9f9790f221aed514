-- wrk script: real clicks (a browser User-Agent) spread over the tokens in bench/tokens.txt,
-- and a one-line summary that bench/run parses.
local tokens = {}
for line in io.lines(os.getenv("ZT_TOKENS") or "tokens.txt") do tokens[#tokens + 1] = line end
local i = 0

request = function()
  i = i + 1
  local token = tokens[(i % #tokens) + 1]
  return wrk.format("GET", "/t/" .. token, { ["User-Agent"] = os.getenv("ZT_AGENT") or "Mozilla/5.0 (bench)" })
end

done = function(summary, latency, requests)
  local non302 = summary.errors.status + summary.errors.connect + summary.errors.read +
                 summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT rps=%.1f p50_us=%d p99_us=%d requests=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.requests, non302))
end

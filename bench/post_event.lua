-- wrk script: POSTs the sample page_view event to /event, cycling through 256 sessions so
-- records spread over the topic's partitions (the record key is session_id). No user_id, as from
-- the tracker: every event gets the producer's cookieless visitor id. Each session's events carry
-- a public ip_address of its own (as a server relaying visitors would), so the producer looks a
-- country up for every event, as it does for real visitors (wrk's own address is loopback, which
-- has none). The requests are built once in init(), so wrk spends no per-request time on them.
local requests = {}
local count = 0
local firsts = { 23, 31, 46, 62, 77, 81, 85, 91, 109, 151, 176, 185, 193, 203, 212, 217 }

init = function(args)
  for i = 1, 256 do
    local body = string.format(
      '{"type":"page_view","session_id":"session%d","url":"https://example.com/home",'
        .. '"referrer":"https://google.com","user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) '
        .. 'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36","metadata":{"load_time":1234},'
        .. '"ip_address":"%d.%d.%d.%d"}',
      i, firsts[(i % 16) + 1], (i * 37) % 256, (i * 11) % 256, 1 + i % 250)
    requests[i] = wrk.format("POST", "/event", { ["Content-Type"] = "application/json" }, body)
  end
end

request = function()
  count = count + 1
  return requests[(count % 256) + 1]
end

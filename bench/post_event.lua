-- wrk script: POSTs the sample page_view event to /event, cycling through 256 sessions so
-- records spread over the topic's partitions (the record key is session_id). No user_id, as from
-- the tracker: every event gets the producer's cookieless visitor id. The requests are
-- built once in init(), so wrk spends no per-request time formatting them.
local requests = {}
local count = 0

init = function(args)
  for i = 1, 256 do
    local body = string.format(
      '{"type":"page_view","session_id":"session%d","url":"https://example.com/home",'
        .. '"referrer":"https://google.com","user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) '
        .. 'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36","metadata":{"load_time":1234}}',
      i)
    requests[i] = wrk.format("POST", "/event", { ["Content-Type"] = "application/json" }, body)
  end
end

request = function()
  count = count + 1
  return requests[(count % 256) + 1]
end

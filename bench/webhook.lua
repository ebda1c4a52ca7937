-- wrk script: replays pre-signed inbound webhooks, each MessageSid once per
-- thread slice. Arguments: the request file, the number of threads and the
-- line to start from (so a second run does not replay the first's texts).
local lines = {}
local counter = 0
local index = 0
local step = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  for line in io.lines(args[1]) do
    lines[#lines + 1] = line
  end
  step = tonumber(args[2])
  index = id + tonumber(args[3] or "0")
end

function request()
  local line = lines[(index % #lines) + 1]
  index = index + step
  local tab = line:find("\t")
  local headers = {}
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["X-Twilio-Signature"] = line:sub(tab + 1)
  return wrk.format("POST", "/sms/inbound", headers, line:sub(1, tab - 1))
end

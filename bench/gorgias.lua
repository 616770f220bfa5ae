-- Unique Gorgias ticket deliveries (X-Tollgate-Token), round robin over many tenants; each thread stops after its share.
-- Every ticket has its own id, message id and customer email, and the customer asks about order #1001.
-- args: tenants_tsv(slug<TAB>gorgias_secret) ticket_base per_thread
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  tenants = {}
  for line in io.lines(args[1]) do
    local slug, secret = line:match("^(%S+)\t(%S+)$")
    if slug then
      table.insert(tenants, {slug, secret})
    end
  end
  base = tonumber(args[2]) + tid * 10000000
  limit = tonumber(args[3])
  wrk.headers["Content-Type"] = "application/json"
end

local template = '{"ticket": {"id": %d, "subject": "Order status", "channel": "email", "status": "open", '
  .. '"customer": {"id": %d, "email": "cust-%d@example.com", "firstname": "Bob", "lastname": "Norman", "name": "Bob Norman"}, '
  .. '"messages": [{"id": %d, "channel": "email", "via": "email", "from_agent": false, '
  .. '"sender": {"id": %d, "email": "cust-%d@example.com"}, "body_text": "Hi, where is my order #1001?", '
  .. '"body_html": "<p>Hi, where is my order #1001?</p>", "created_datetime": "2024-01-15T10:30:00+00:00", "external_id": null}]}}'

function request()
  counter = counter + 1
  if counter > limit then
    wrk.thread:stop()
  end
  local t = tenants[(counter + tid * 7) % #tenants + 1]
  local ticket = base + counter
  wrk.headers["X-Tollgate-Token"] = t[2]
  wrk.headers["X-Gorgias-Webhook-Id"] = "bench-" .. ticket
  local body = string.format(template, ticket, ticket, ticket, ticket * 10, ticket, ticket)
  return wrk.format("POST", "/webhooks/" .. t[1] .. "/gorgias", nil, body)
end

-- Unique, correctly signed Shopify deliveries: one pre-signed body, a fresh X-Shopify-Event-Id per request.
-- args: body_file signature shop_domain slug run_id delay_ms
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(args[1], "rb"))
  body = f:read("*a")
  f:close()
  path = "/webhooks/" .. args[4] .. "/shopify"
  prefix = args[5] .. "-" .. tid .. "-"
  pause = tonumber(args[6] or "0")
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Shopify-Hmac-Sha256"] = args[2]
  wrk.headers["X-Shopify-Shop-Domain"] = args[3]
  wrk.headers["X-Shopify-Topic"] = "orders/create"
end

function request()
  counter = counter + 1
  wrk.headers["X-Shopify-Event-Id"] = prefix .. counter
  return wrk.format("POST", path, nil, body)
end

function delay()
  return pause
end

-- The same signed delivery over and over: every answer after the first is a duplicate.
-- args: body_file signature shop_domain slug event_id
function init(args)
  local f = assert(io.open(args[1], "rb"))
  body = f:read("*a")
  f:close()
  path = "/webhooks/" .. args[4] .. "/shopify"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Shopify-Hmac-Sha256"] = args[2]
  wrk.headers["X-Shopify-Shop-Domain"] = args[3]
  wrk.headers["X-Shopify-Topic"] = "orders/create"
  wrk.headers["X-Shopify-Event-Id"] = args[5]
end

function request()
  return wrk.format("POST", path, nil, body)
end

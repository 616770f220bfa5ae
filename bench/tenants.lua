-- Unique signed deliveries spread over many tenants, each with its own secret.
-- args: body_file tenants_tsv(slug<TAB>signature) run_id
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
  tenants = {}
  for line in io.lines(args[2]) do
    local slug, sig = line:match("^(%S+)\t(%S+)$")
    if slug then
      table.insert(tenants, {slug, sig})
    end
  end
  prefix = args[3] .. "-" .. tid .. "-"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Shopify-Topic"] = "orders/create"
  math.randomseed(tid * 7919)
end

function request()
  counter = counter + 1
  local t = tenants[math.random(#tenants)]
  wrk.headers["X-Shopify-Hmac-Sha256"] = t[2]
  wrk.headers["X-Shopify-Shop-Domain"] = t[1] .. ".myshopify.com"
  wrk.headers["X-Shopify-Event-Id"] = prefix .. counter
  return wrk.format("POST", "/webhooks/" .. t[1] .. "/shopify", nil, body)
end

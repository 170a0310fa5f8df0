-- Mixed load for scripts/soak.sh (wrk). Set by the script through the environment:
-- SOAK_KEY, SOAK_ORG, SOAK_PRODUCTS (comma-separated ids), SOAK_LOCATION.
local key = os.getenv("SOAK_KEY")
local org = os.getenv("SOAK_ORG")
local location = os.getenv("SOAK_LOCATION")
local products = {}
for id in string.gmatch(os.getenv("SOAK_PRODUCTS"), "[^,]+") do
  products[#products + 1] = id
end

local counter = 0
local prefix = ""

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  prefix = string.format("soak-%08x", math.random(0, 0x7fffffff))
end

local function headers(idempotent)
  local h = { ["X-API-Key"] = key, ["X-Organization-ID"] = org, ["Content-Type"] = "application/json" }
  if idempotent then
    counter = counter + 1
    h["Idempotency-Key"] = prefix .. "-" .. counter
  end
  return h
end

local function movement(kind, product)
  return string.format('{"transaction_type":"%s","product_id":"%s","location_id":"%s","quantity":{"value":1}}', kind, product, location)
end

function request()
  local product = products[math.random(#products)]
  local r = math.random(100)
  if r <= 35 then
    return wrk.format("GET", "/v1/products?pageSize=25", headers(false))
  elseif r <= 55 then
    return wrk.format("GET", "/v1/products/" .. product .. "/inventory", headers(false))
  elseif r <= 65 then
    return wrk.format("GET", "/v1/inventory/transactions?pageSize=10&product_id=" .. product, headers(false))
  elseif r <= 85 then
    return wrk.format("POST", "/v1/inventory/transactions", headers(true), movement("receipt", product))
  else
    return wrk.format("POST", "/v1/inventory/transactions", headers(true), movement("shipment", product))
  end
end

function done(summary, latency, requests)
  io.write(string.format("soak: %d requests, %d non-2xx/3xx, socket errors connect %d read %d write %d timeout %d\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  io.write(string.format("soak: latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end

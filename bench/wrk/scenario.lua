-- wrk script for scripts/bench.sh. The scenario comes from BENCH_SCENARIO; every request carries the demo key.
-- Keyed writes get an Idempotency-Key unique per run (BENCH_RUN), thread and request.
local scenario = os.getenv("BENCH_SCENARIO") or "health"
local api_key = os.getenv("BENCH_API_KEY") or ""
local org = os.getenv("BENCH_ORG") or "org_demo"
local run = os.getenv("BENCH_RUN") or tostring(os.time())

local threads = {}
function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

local counter = 0

function init(args)
    math.randomseed(os.time() * 1000 + (tid or 0))
    counter = (tid or 0) * 1000003
end

local function product(n)
    return string.format("prod_bench_%05d", 1 + n % 10000)
end

local function get(path, extra)
    local headers = { ["X-API-Key"] = api_key, ["X-Organization-ID"] = org }
    for k, v in pairs(extra or {}) do headers[k] = v end
    return wrk.format("GET", path, headers)
end

local function transaction(kind, product_id)
    counter = counter + 1
    local body = string.format(
        '{"transaction_type":"%s","product_id":"%s","location_id":"loc_bench_01","quantity":{"value":1}}', kind, product_id)
    return wrk.format("POST", "/v1/inventory/transactions", {
        ["X-API-Key"] = api_key,
        ["X-Organization-ID"] = org,
        ["Content-Type"] = "application/json",
        ["Idempotency-Key"] = string.format("%s-%d-%d", run, tid or 0, counter),
    }, body)
end

local function products_page() return get("/v1/products?pageSize=25") end

local function product_inventory()
    counter = counter + 1
    return get("/v1/products/" .. product(counter * 7919) .. "/inventory")
end

local function receipt() return transaction("receipt", product(counter * 7919)) end

local requests = {
    health = function() return wrk.format("GET", "/health/live") end,
    products = products_page,
    -- The same page past the read cache: what every request of a cache miss costs.
    products_miss = function() return get("/v1/products?pageSize=25", { ["Cache-Control"] = "no-cache" }) end,
    inventory = product_inventory,
    receipt = receipt,
    shipment = function() return transaction("shipment", "prod_bench_00001") end,
    -- The spec's daily mix: about 85 % reads and 15 % writes.
    mix = function()
        local r = math.random(100)
        if r <= 45 then return products_page() end
        if r <= 85 then return product_inventory() end
        return receipt()
    end,
}

request = requests[scenario]

function done(summary, latency, requests)
    local e = summary.errors
    local errors = e.connect + e.read + e.write + e.status + e.timeout
    io.write(string.format("WRKRESULT %.1f %.2f %.2f %.2f %d %d\n",
        summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
        errors, summary.requests))
end

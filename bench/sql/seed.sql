-- Realistic tenant for scripts/bench.sh, added to org_demo (created by the API's demo seeder):
-- 10,000 products, 20 locations, 200,000 balances (every product at every location) and 1,000,000 ledger rows
-- (five receipts per balance) that sum exactly to each balance, so GET /v1/inventory/audit stays consistent.
\set ON_ERROR_STOP on
BEGIN;

INSERT INTO locations (id, organization_id, branch_id, name, code, type, version, created_at, updated_at)
SELECT 'loc_bench_' || lpad(g::text, 2, '0'), 'org_demo', 'branch_main', 'Bench location ' || g, 'BENCH-' || g,
       'warehouse', 1, now() - interval '1 day', now() - interval '1 day'
FROM generate_series(1, 20) AS g;

INSERT INTO products (id, organization_id, sku, name, status, category, price_amount, price_currency, uom, units,
                      version, created_at, updated_at)
SELECT 'prod_bench_' || lpad(g::text, 5, '0'), 'org_demo', 'BENCH-' || lpad(g::text, 5, '0'), 'Bench product ' || g,
       'active', (ARRAY['electronics', 'accessories', 'tools', 'garden'])[1 + g % 4], 10 + g % 90, 'USD', 'EACH', '[]',
       1, now() - interval '1 day' + g * interval '1 second', now() - interval '1 day' + g * interval '1 second'
FROM generate_series(1, 10000) AS g;

INSERT INTO inventory_balances (organization_id, product_id, location_id, on_hand, allocated, version, updated_at)
SELECT 'org_demo', 'prod_bench_' || lpad(p::text, 5, '0'), 'loc_bench_' || lpad(l::text, 2, '0'), 1000000, 0, 6, now()
FROM generate_series(1, 10000) AS p, generate_series(1, 20) AS l;

-- Row g belongs to balance (g % 200000) and is that balance's (g / 200000 + 1)-th receipt of 200,000.
INSERT INTO inventory_transactions (id, organization_id, product_id, location_id, transaction_type, quantity_change,
                                    input_quantity, input_uom, previous_on_hand, new_on_hand, status, created_at, updated_at)
SELECT 'txn_bench_' || g, 'org_demo',
       'prod_bench_' || lpad((1 + (g % 200000) % 10000)::text, 5, '0'),
       'loc_bench_' || lpad((1 + (g % 200000) / 10000)::text, 2, '0'),
       'receipt', 200000, 200000, 'EACH', (g / 200000) * 200000, (g / 200000 + 1) * 200000, 'completed',
       now() - interval '1 day' + g * interval '50 milliseconds', now() - interval '1 day' + g * interval '50 milliseconds'
FROM generate_series(0, 999999) AS g;

COMMIT;
VACUUM ANALYZE;

#!/usr/bin/env bash
# Benchmarks the API: starts a throwaway PostgreSQL cluster and the API (Release build) on loopback,
# drives it with bench/Smackdab.Inventory.Bench and writes docs/benchmarks-latest.md.
#
#   scripts/bench.sh [seconds-per-scenario] [concurrency]
#
# Throughput is reported as a ratio to GET /health/live measured in the same run, so numbers from
# different machines can be compared. Rate limiting is switched off for the run (it would measure
# the limiter, not the API).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib/postgres.sh
. "$ROOT/scripts/lib/postgres.sh"

SECONDS_PER_SCENARIO="${1:-10}"
CONCURRENCY="${2:-16}"
BENCH_ROOT="$ROOT/.data/bench"
API_PID=""

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$API_PID" ]; then
        kill -TERM "$API_PID" 2>/dev/null || true
        wait "$API_PID" 2>/dev/null || true
    fi
    smk_pg_stop
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -rf "$BENCH_ROOT"
smk_pg_start "$BENCH_ROOT" smackdab_bench
PORT="$(smk_free_port 5180)"
URL="http://127.0.0.1:$PORT"
KEY="sk_bench_$(head -c 64 /dev/urandom | LC_ALL=C tr -dc 'a-z0-9' | head -c 24)"

dotnet build Smackdab.Inventory.sln -c Release -v quiet -nologo >/dev/null
ConnectionStrings__Postgres="Host=127.0.0.1;Port=$SMK_PG_PORT;Database=smackdab_bench;Username=postgres;Maximum Pool Size=100" \
ASPNETCORE_URLS="$URL" Seed__Demo=true SMACKDAB_DEMO_API_KEY="$KEY" RateLimiting__Enabled=false \
Serilog__MinimumLevel__Default=Warning \
    dotnet src/Smackdab.Inventory.Api/bin/Release/net10.0/Smackdab.Inventory.Api.dll >"$BENCH_ROOT/api.log" 2>&1 &
API_PID=$!

for _ in $(seq 1 120); do
    curl -fs "$URL/health/ready" >/dev/null 2>&1 && break
    sleep 0.5
done

dotnet bench/Smackdab.Inventory.Bench/bin/Release/net10.0/Smackdab.Inventory.Bench.dll \
    "$URL" "$KEY" org_demo "$SECONDS_PER_SCENARIO" "$CONCURRENCY" "$ROOT/docs/benchmarks-latest.md"

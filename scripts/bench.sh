#!/usr/bin/env bash
# Benchmarks the API against PostgreSQL's own limit, in one run:
#   - starts a throwaway PostgreSQL cluster and the API (Release build, rate limiting off) on loopback,
#   - seeds a realistic tenant (10,000 products, 20 locations, 200,000 balances, 1,000,000 ledger rows),
#   - for every scenario captures the exact statements one request sends (PostgreSQL statement log) into a pgbench
#     script, then drives the API with wrk and the database with `pgbench -M prepared` running those statements,
#     at 4 and 16 connections, back to back,
#   - optionally repeats the headline scenarios against two API instances on the same database (aggregate),
#   - checks GET /v1/inventory/audit and writes docs/benchmarks-latest.md.
#
#   scripts/bench.sh [seconds-per-run] [connection-levels] [instances]
#       defaults: 10 "4 16" 2      (instances=1 skips the two-instance runs)
#
#   BENCH_PROFILE="products_miss receipt" scripts/bench.sh ...
#       also profiles those scenarios with dotnet-trace and writes docs/benchmarks-profile-<scenario>.txt
#
#   BENCH_COMPARE_DLL=/path/to/older/Smackdab.Inventory.Api.dll scripts/bench.sh ...
#       also runs that build (e.g. main before a change) on the same database and measures it right after the current
#       build in every row ("before: …"), each against pgbench on its own statements: an A/B under the same conditions.
#
# pgbench runs against a copy of the seeded database (its replays would otherwise break the ledger audit).
# The run fails when a request got an error or the audit finds a mismatch.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib/postgres.sh
. "$ROOT/scripts/lib/postgres.sh"

SECONDS_PER_RUN="${1:-10}"
LEVELS="${2:-4 16}"
INSTANCES="${3:-2}"
BENCH_ROOT="$ROOT/.data/bench"
DB=smackdab_bench
PGB_DB=smackdab_pgbench
APP=smackdab-api
API_PIDS=()
REPORT="$ROOT/docs/benchmarks-latest.md"

stop_apis() {
    local pid
    for pid in "${API_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    API_PIDS=()
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_apis
    smk_pg_stop
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started=$(date +%s)
command -v wrk >/dev/null 2>&1 || smk_apt_install wrk
rm -rf "$BENCH_ROOT"
smk_pg_start "$BENCH_ROOT" "$DB"
PG="$SMK_PG_BINDIR"
psql_admin() { "$PG/psql" -h 127.0.0.1 -p "$SMK_PG_PORT" -U postgres -XqAt "$@"; }
# Prefix that lets the capture tell the API's statements (application name) from everything else.
psql_admin -d postgres -c "ALTER SYSTEM SET log_line_prefix = '@@%a|%p@@ '" -c "SELECT pg_reload_conf()" >/dev/null

smk_log "building (Release)"
dotnet build Smackdab.Inventory.sln -c Release -v quiet -nologo >/dev/null
BENCH_TOOL=(dotnet bench/Smackdab.Inventory.Bench/bin/Release/net10.0/Smackdab.Inventory.Bench.dll)
KEY="sk_bench_$(head -c 256 /dev/urandom | LC_ALL=C tr -dc 'a-z0-9' | head -c 24)"
# Keys the API requires outside Development (scripts/run.sh keeps its own in .data/); the bench database is throwaway, so
# fresh ones per run do, unless the environment sets them.
CREDENTIAL_KEY="${Integrations__CredentialKey:-$(head -c 32 /dev/urandom | base64 | tr -d '\n')}"
KEY_ENCRYPTION_KEY="${Jwt__KeyEncryptionKey:-$(head -c 32 /dev/urandom | base64 | tr -d '\n')}"
CONN="Host=127.0.0.1;Port=$SMK_PG_PORT;Database=$DB;Username=postgres;Application Name=$APP"

# start_api PORT LOG [DLL]: one API process. Its background workers connect under their own application name
# ("smackdab-api-worker", Database:BackgroundMaxPoolSize), so the capture keeps only the statements of requests; the
# slowest loops are also slowed so that the run measures requests, not housekeeping (the report lists the statements
# captured per request so that an intruder shows).
start_api() {
    local port="$1" log="$2" dll="${3:-src/Smackdab.Inventory.Api/bin/Release/net10.0/Smackdab.Inventory.Api.dll}"
    ConnectionStrings__Postgres="$CONN" ASPNETCORE_URLS="http://127.0.0.1:$port" \
    Seed__Demo=true SMACKDAB_DEMO_API_KEY="$KEY" RateLimiting__Enabled=false \
    Integrations__CredentialKey="$CREDENTIAL_KEY" Jwt__KeyEncryptionKey="$KEY_ENCRYPTION_KEY" \
    Ledger__HoldExpiryIntervalSeconds=3600 Idempotency__CleanupIntervalSeconds=3600 Jwt__KeyRotationCheckSeconds=3600 \
    Exports__PollIntervalSeconds=3600 Events__PruneIntervalSeconds=3600 \
        dotnet "$dll" >"$log" 2>&1 &
    API_PIDS+=($!)
    local i
    for i in $(seq 1 240); do
        curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    smk_err "the API on port $port did not become ready; see $log"
    tail -n 30 "$log" >&2
    return 1
}

PORT="$(smk_free_port 5180)"
URL="http://127.0.0.1:$PORT"
smk_log "migrating and seeding the demo tenant"
start_api "$PORT" "$BENCH_ROOT/api-setup.log"
stop_apis
smk_log "seeding 10,000 products, 20 locations, 200,000 balances, 1,000,000 ledger rows"
psql_admin -d "$DB" -f bench/sql/seed.sql >/dev/null
psql_admin -d postgres -c "CREATE DATABASE $PGB_DB TEMPLATE $DB" >/dev/null
start_api "$PORT" "$BENCH_ROOT/api.log"
COMPARE="${BENCH_COMPARE_DLL:-}"
if [ -n "$COMPARE" ]; then
    PORT_B="$(smk_free_port $((PORT + 10)))"
    URL_B="http://127.0.0.1:$PORT_B"
    smk_log "starting the comparison build $COMPARE on port $PORT_B (same database)"
    start_api "$PORT_B" "$BENCH_ROOT/api-before.log" "$COMPARE"
fi

# capture TAG [URL] [SUFFIX]: log every statement while one request of the scenario runs; write TAG$SUFFIX.sql/.vars.
# Reads send Cache-Control: no-cache, so that the capture is what a cache miss sends (a hit sends nothing); pgbench then
# replays the uncached statements, and the ratio shows what the read cache gains.
capture() {
    local tag="$1" URL="${2:-$URL}" suffix="${3:-}" offset unique=()
    offset=$(stat -c %s "$SMK_PG_LOG")
    psql_admin -d postgres -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
    sleep 0.5
    case "$tag" in
        products) curl -fs -o /dev/null -H "X-API-Key: $KEY" -H "X-Organization-ID: org_demo" -H "Cache-Control: no-cache" "$URL/v1/products?pageSize=25" ;;
        inventory) curl -fs -o /dev/null -H "X-API-Key: $KEY" -H "X-Organization-ID: org_demo" -H "Cache-Control: no-cache" "$URL/v1/products/prod_bench_00042/inventory" ;;
        receipt | shipment)
            local idem="capture-$tag-$RANDOM$RANDOM" product=prod_bench_00042
            [ "$tag" = shipment ] && product=prod_bench_00001
            unique=("$idem")
            curl -fs -o /dev/null -H "X-API-Key: $KEY" -H "X-Organization-ID: org_demo" -H "Idempotency-Key: $idem" \
                -H "Content-Type: application/json" \
                -d "{\"transaction_type\":\"$tag\",\"product_id\":\"$product\",\"location_id\":\"loc_bench_01\",\"quantity\":{\"value\":1}}" \
                "$URL/v1/inventory/transactions" ;;
    esac
    sleep 0.5
    psql_admin -d postgres -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
    "${BENCH_TOOL[@]}" capture "$SMK_PG_LOG" "$offset" "$APP" "$BENCH_ROOT/$tag$suffix.sql" "$BENCH_ROOT/$tag$suffix.vars" "$tag$suffix" "${unique[@]}" \
        | tee -a "$BENCH_ROOT/captured.txt"
}

# pgbench_tps CONNS FILE@WEIGHT...: tps of pgbench -M prepared over the captured scripts, or "-" when it failed.
pgbench_tps() {
    local conns="$1" spec tag args=() defs=() out
    shift
    for spec in "$@"; do
        tag="${spec%@*}"
        args+=(-f "$BENCH_ROOT/$tag.sql@${spec#*@}")
        mapfile -d '' -t vars <"$BENCH_ROOT/$tag.vars"
        local v
        for v in "${vars[@]}"; do defs+=(-D "$v"); done
    done
    if out=$("$PG/pgbench" -h 127.0.0.1 -p "$SMK_PG_PORT" -U postgres -n -M prepared -c "$conns" -j 2 \
        -T "$SECONDS_PER_RUN" "${defs[@]}" "${args[@]}" "$PGB_DB" 2>"$BENCH_ROOT/pgbench.err"); then
        printf '%s\n' "$out" | sed -nE 's/^tps = ([0-9.]+).*/\1/p' | head -n1
    else
        smk_err "pgbench failed: $(tail -n 3 "$BENCH_ROOT/pgbench.err")"
        printf -- '-\n'
    fi
}

# wrk_run SCENARIO CONNS URL...: "rps p50 p95 p99 errors requests" summed over the URLs (one wrk per API instance).
wrk_run() {
    local scenario="$1" conns="$2" url pids=() files=() i=0 each
    shift 2
    each=$((conns / $#))
    for url in "$@"; do
        i=$((i + 1))
        BENCH_SCENARIO="$scenario" BENCH_API_KEY="$KEY" BENCH_RUN="$scenario-$conns-$i-$RANDOM$RANDOM" \
            wrk -t2 -c"$each" -d"${SECONDS_PER_RUN}s" --timeout 10s --latency -s bench/wrk/scenario.lua "$url" \
            >"$BENCH_ROOT/wrk-$i.out" 2>&1 &
        pids+=($!)
        files+=("$BENCH_ROOT/wrk-$i.out")
    done
    for i in "${pids[@]}"; do wait "$i"; done
    # Throughput, errors and requests add up; latency percentiles are the worst instance's.
    cat "${files[@]}" | awk '/^WRKRESULT/ { rps += $2; if ($3 > p50) p50 = $3; if ($4 > p95) p95 = $4; if ($5 > p99) p99 = $5; err += $6; n += $7; c++ }
        END { if (c == 0) { print "0 0 0 0 1 0" } else { printf "%.1f %.2f %.2f %.2f %d %d\n", rps, p50, p95, p99, err, n } }'
}

RESULTS="$BENCH_ROOT/results.tsv"
: >"$RESULTS"
declare -A LABEL=(
    [health]="baseline: GET /health/live (no auth, no database)"
    [products]="GET /v1/products?pageSize=25"
    [products_miss]="GET /v1/products?pageSize=25 with Cache-Control: no-cache (read cache bypassed)"
    [inventory]="GET /v1/products/{id}/inventory"
    [receipt]="keyed receipt POST /v1/inventory/transactions (10,000 products)"
    [shipment]="keyed shipment, one hot balance row"
    [mix]="daily mix: 45 % product pages, 40 % stock reads, 15 % keyed receipts"
)
declare -A PGSPEC=(
    [products]="products@1" [products_miss]="products@1" [inventory]="inventory@1" [receipt]="receipt@1" [shipment]="shipment@1"
    [mix]="products@45 inventory@40 receipt@15"
)

smk_log "warming up and capturing the statements of each scenario"
for s in health products inventory receipt shipment; do
    wrk_run "$s" 4 "$URL" >/dev/null
done
for s in products inventory receipt shipment; do capture "$s"; done
# What the transactional outbox costs the database on a keyed receipt: the same script without its event statement.
"${BENCH_TOOL[@]}" strip "$BENCH_ROOT/receipt.sql" "$BENCH_ROOT/receipt_nooutbox.sql" "event_sequences"
cp "$BENCH_ROOT/receipt.vars" "$BENCH_ROOT/receipt_nooutbox.vars"
OUTBOX="$BENCH_ROOT/outbox.tsv"
: >"$OUTBOX"
if [ -n "$COMPARE" ]; then
    for s in health products inventory receipt shipment; do
        wrk_run "$s" 4 "$URL_B" >/dev/null
    done
    for s in products inventory receipt shipment; do capture "$s" "$URL_B" _before; done
fi

measure() {
    local label="$1" scenario="$2" conns="$3" pg="$4"
    shift 4
    smk_log "$label at $conns connections"
    read -r rps p50 p95 p99 errors requests < <(wrk_run "$scenario" "$conns" "$@")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$conns" "$rps" "$p50" "$p95" "$p99" "$errors" "$requests" "$pg" >>"$RESULTS"
}

for conns in $LEVELS; do
    for s in health products products_miss inventory receipt shipment mix; do
        pg="-"
        if [ -n "${PGSPEC[$s]:-}" ]; then
            # shellcheck disable=SC2086
            pg="$(pgbench_tps "$conns" ${PGSPEC[$s]})"
        fi
        measure "${LABEL[$s]}" "$s" "$conns" "$pg" "$URL"
        if [ "$s" = receipt ]; then
            printf '%s\t%s\t%s\t%s\n' "$conns" "$(tail -n1 "$RESULTS" | cut -f3)" "$pg" "$(pgbench_tps "$conns" receipt_nooutbox@1)" >>"$OUTBOX"
        fi
        if [ -n "$COMPARE" ]; then
            pg="-"
            if [ -n "${PGSPEC[$s]:-}" ]; then
                # shellcheck disable=SC2086
                pg="$(pgbench_tps "$conns" $(printf '%s\n' ${PGSPEC[$s]} | sed -E 's/@/_before@/'))"
            fi
            measure "before: ${LABEL[$s]}" "$s" "$conns" "$pg" "$URL_B"
        fi
    done
done

# BENCH_PROFILE="products_miss inventory …": after the measurements, a dotnet-trace capture of the API for 15 s per
# scenario under 16 connections, summarised (bench tool "profile": CPU time per frame) into
# docs/benchmarks-profile-<scenario>.txt.
if [ -n "${BENCH_PROFILE:-}" ]; then
    TRACE="$ROOT/.data/tools/dotnet-trace"
    if [ ! -x "$TRACE" ]; then
        smk_log "installing dotnet-trace into $ROOT/.data/tools"
        dotnet tool install dotnet-trace --tool-path "$ROOT/.data/tools" >/dev/null
    fi
    for s in $BENCH_PROFILE; do
        smk_log "profiling $s: dotnet-trace for 15 s under 16 connections"
        BENCH_SCENARIO="$s" BENCH_API_KEY="$KEY" BENCH_RUN="profile-$s-$RANDOM$RANDOM" \
            wrk -t2 -c16 -d22s --timeout 10s -s bench/wrk/scenario.lua "$URL" >/dev/null 2>&1 &
        wrk_pid=$!
        sleep 3
        "$TRACE" collect -p "${API_PIDS[0]}" --duration 00:00:00:15 --format speedscope -o "$BENCH_ROOT/profile-$s.nettrace" >/dev/null
        wait "$wrk_pid" || true
        "${BENCH_TOOL[@]}" profile "$BENCH_ROOT/profile-$s.speedscope.json" >"$ROOT/docs/benchmarks-profile-$s.txt"
    done
fi

if [ "$INSTANCES" -ge 2 ]; then
    PORT2="$(smk_free_port $((PORT + 1)))"
    smk_log "starting a second API instance on port $PORT2 (same database)"
    start_api "$PORT2" "$BENCH_ROOT/api-2.log"
    conns=16
    for s in products receipt mix; do
        # shellcheck disable=SC2086
        pg="$(pgbench_tps "$conns" ${PGSPEC[$s]})"
        measure "two instances: ${LABEL[$s]}" "$s" "$conns" "$pg" "$URL" "http://127.0.0.1:$PORT2"
    done
fi

consistent="$(curl -fs -H "X-API-Key: $KEY" -H "X-Organization-ID: org_demo" "$URL/v1/inventory/audit" \
    | grep -o '"consistent":[a-z]*' | cut -d: -f2 || true)"
elapsed=$(($(date +%s) - started))
cpu="$(sed -nE 's/^model name\s*:\s*//p' /proc/cpuinfo | head -n1)"
header="Run $(date -u '+%Y-%m-%d %H:%M') UTC on $(nproc) cores ($cpu), $(free -g | awk '/^Mem:/ {print $2}') GB RAM, PostgreSQL $(smk_pg_major "$PG"); \`${COMPARE:+BENCH_COMPARE_DLL=<older build> }scripts/bench.sh $SECONDS_PER_RUN \"$LEVELS\" $INSTANCES\`, $SECONDS_PER_RUN s per run, wrk -t2 and pgbench -M prepared -j2 alternating; load average at the end $(cut -d' ' -f1-3 /proc/loadavg); whole run ${elapsed} s; audit after the run: ${consistent:-unknown}. Statements per request as captured: $(sed -E 's/^capture ([a-z_]+): ([0-9]+) statements$/\1 \2/' "$BENCH_ROOT/captured.txt" | paste -sd, - | sed 's/,/, /g')."
status=0
"${BENCH_TOOL[@]}" report "$RESULTS" "$REPORT" "$header" || status=1
{
    printf '\n### What the outbox costs a keyed receipt\n\n'
    printf 'pgbench on the captured receipt script with and without its one outbox statement (event numbers, event rows, NOTIFY), same run.\n\n'
    printf '| conns | API req/s | pgbench tps with outbox | pgbench tps without | database cost of the outbox | API / pgbench with | API / pgbench without |\n'
    printf '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
    awk -F'\t' '{ cost = ($4 > 0 && $3 > 0) ? sprintf("%.0f %%", (1 - $3 / $4) * 100) : "—";
        w = ($3 > 0) ? sprintf("%.2f", $2 / $3) : "—"; wo = ($4 > 0) ? sprintf("%.2f", $2 / $4) : "—";
        with = ($3 > 0) ? sprintf("%.0f", $3) : "—"; without = ($4 > 0) ? sprintf("%.0f", $4) : "—";
        printf "| %s | %.0f | %s | %s | %s | %s | %s |\n", $1, $2, with, without, cost, w, wo }' "$OUTBOX"
} | tee -a "$REPORT"
if [ "$consistent" != true ]; then
    smk_err "the audit after the run is not consistent"
    status=1
fi
exit "$status"

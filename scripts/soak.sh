#!/usr/bin/env bash
# Soak test: a mixed load against one API process for a long time while sampling its memory, GC heap, threads,
# handles and database connections; fails on any error or on a growth trend. Not part of scripts/test.sh.
#
#   scripts/soak.sh [minutes] [connections]        (defaults: 10 minutes, 16 connections)
#
# Starts a throwaway PostgreSQL cluster (.data/soak), a redis-server (rate limiting on Redis, budgets far above
# the load) and the API (Release build), drives it with wrk and scripts/soak/mixed.lua (35% product list, 20%
# stock of a product, 10% ledger page, 20% keyed receipts, 15% keyed shipments), and every SAMPLE_SECONDS (10)
# records: RSS, thread count and open file descriptors from /proc, GC heap size and Npgsql pool connections in
# use from dotnet-counters (installed into .data/tools on first use), server-side connections from
# pg_stat_activity. Writes .data/soak/samples.csv, docs/soak.svg and the figures to docs/soak-latest.md.
#
# Verdict: fails if wrk saw any non-2xx answer or socket error, if the audit is not consistent afterwards, or if
# RSS, GC heap, threads or handles in the last fifth of the run (after a one-minute warm-up) average more than
# GROWTH_LIMIT_PERCENT (default 15) above the first fifth.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib/postgres.sh
. "$ROOT/scripts/lib/postgres.sh"

MINUTES="${1:-10}"
CONNECTIONS="${2:-16}"
SAMPLE_SECONDS="${SAMPLE_SECONDS:-10}"
GROWTH_LIMIT_PERCENT="${GROWTH_LIMIT_PERCENT:-15}"
SOAK_ROOT="$ROOT/.data/soak"
TOOLS="$ROOT/.data/tools"
API_PID="" REDIS_PID="" COUNTERS_PID="" WRK_PID=""

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for pid in "$WRK_PID" "$COUNTERS_PID" "$API_PID" "$REDIS_PID"; do
        if [ -n "$pid" ]; then
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    smk_pg_stop
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- prerequisites ------------------------------------------------------------------------------------------
smk_ensure_pg_installed
smk_ensure_redis_installed
command -v wrk >/dev/null 2>&1 || smk_apt_install wrk
command -v curl >/dev/null 2>&1 || smk_apt_install curl
if [ ! -x "$TOOLS/dotnet-counters" ]; then
    smk_log "installing dotnet-counters into $TOOLS"
    dotnet tool install dotnet-counters --tool-path "$TOOLS" >/dev/null
fi

rm -rf "$SOAK_ROOT"
mkdir -p "$SOAK_ROOT"
smk_log "building (Release)"
dotnet build src/Smackdab.Inventory.Api -c Release -v quiet -nologo >/dev/null

# --- servers ------------------------------------------------------------------------------------------------
smk_pg_start "$SOAK_ROOT" smackdab_soak
REDIS_PORT="$(smk_free_port 6480)"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$SOAK_ROOT/redis.log" 2>&1 &
REDIS_PID=$!

PORT="$(smk_free_port 5280)"
URL="http://127.0.0.1:$PORT"
KEY="sk_soak_$(head -c 64 /dev/urandom | LC_ALL=C tr -dc 'a-z0-9' | head -c 24)"
# Keys the API requires outside Development; the soak database is throwaway, so fresh ones per run do.
CREDENTIAL_KEY="${Integrations__CredentialKey:-$(head -c 32 /dev/urandom | base64 | tr -d '\n')}"
KEY_ENCRYPTION_KEY="${Jwt__KeyEncryptionKey:-$(head -c 32 /dev/urandom | base64 | tr -d '\n')}"
Integrations__CredentialKey="$CREDENTIAL_KEY" Jwt__KeyEncryptionKey="$KEY_ENCRYPTION_KEY" \
ConnectionStrings__Postgres="Host=127.0.0.1;Port=$SMK_PG_PORT;Database=smackdab_soak;Username=postgres" \
ASPNETCORE_URLS="$URL" Seed__Demo=true SMACKDAB_DEMO_API_KEY="$KEY" \
Redis__Configuration="127.0.0.1:$REDIS_PORT" \
RateLimiting__Tiers__default__RequestsPerMinute=1000000000 RateLimiting__Tiers__default__BurstCapacity=1000000000 \
Serilog__MinimumLevel__Default=Warning \
    dotnet src/Smackdab.Inventory.Api/bin/Release/net10.0/Smackdab.Inventory.Api.dll >"$SOAK_ROOT/api.log" 2>&1 &
API_PID=$!
for _ in $(seq 1 120); do
    curl -fs "$URL/health/ready" >/dev/null 2>&1 && break
    sleep 0.5
done
curl -fs "$URL/health/ready" >/dev/null || { smk_err "the API did not become ready; see $SOAK_ROOT/api.log"; exit 1; }

api() { # api METHOD PATH [BODY]: prints the response body
    curl -s -X "$1" "$URL$2" -H "X-API-Key: $KEY" -H "X-Organization-ID: org_demo" -H "Content-Type: application/json" \
        -H "Idempotency-Key: setup-$RANDOM-$RANDOM" ${3:+-d "$3"}
}
id_of() { sed -n 's/^{"data":{"id":"\([^"]*\)".*/\1/p'; }

RUN="$(date +%s)"
LOCATION="$(api POST /v1/locations "{\"name\":\"Soak $RUN\"}" | id_of)"
PRODUCTS=""
for i in $(seq 1 20); do
    product="$(api POST /v1/products "{\"sku\":\"SOAK-$RUN-$i\",\"name\":\"Soak product $i\"}" | id_of)"
    api POST /v1/inventory/transactions "{\"transaction_type\":\"receipt\",\"product_id\":\"$product\",\"location_id\":\"$LOCATION\",\"quantity\":{\"value\":1000000000}}" >/dev/null
    PRODUCTS="$PRODUCTS${PRODUCTS:+,}$product"
done
[ -n "$LOCATION" ] && [ -n "$product" ] || { smk_err "could not create the soak data; see $SOAK_ROOT/api.log"; exit 1; }

# --- load and sampling --------------------------------------------------------------------------------------
DURATION=$((MINUTES * 60))
smk_log "soak: $MINUTES min, $CONNECTIONS connections, API pid $API_PID on $URL; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
COUNTERS_DURATION="$(printf '00:%02d:%02d:%02d' $((DURATION / 3600)) $((DURATION % 3600 / 60)) $((DURATION % 60)))"
"$TOOLS/dotnet-counters" collect -p "$API_PID" --refresh-interval "$SAMPLE_SECONDS" --format csv -o "$SOAK_ROOT/counters.csv" \
    --counters System.Runtime,Npgsql --duration "$COUNTERS_DURATION" >"$SOAK_ROOT/counters.log" 2>&1 </dev/null &
COUNTERS_PID=$!
SOAK_KEY="$KEY" SOAK_ORG=org_demo SOAK_PRODUCTS="$PRODUCTS" SOAK_LOCATION="$LOCATION" \
    wrk -t 2 -c "$CONNECTIONS" -d "${DURATION}s" --timeout 10s -s scripts/soak/mixed.lua "$URL" >"$SOAK_ROOT/wrk.txt" 2>&1 &
WRK_PID=$!

echo "seconds,rss_mb,threads,handles,pg_connections,load1" >"$SOAK_ROOT/samples.csv"
START=$SECONDS
while kill -0 "$WRK_PID" 2>/dev/null; do
    t=$((SECONDS - START))
    rss_kb="$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$API_PID/status")"
    threads="$(sed -n 's/^Threads:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$API_PID/status")"
    handles="$(find "/proc/$API_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)"
    conns="$(smk_pg_as_owner "$SMK_PG_BINDIR/psql" -h 127.0.0.1 -p "$SMK_PG_PORT" -U postgres -d postgres -Atc \
        "SELECT count(*) FROM pg_stat_activity WHERE datname = 'smackdab_soak'" 2>/dev/null || echo "")"
    echo "$t,$((rss_kb / 1024)),$threads,$handles,$conns,$(cut -d' ' -f1 /proc/loadavg)" >>"$SOAK_ROOT/samples.csv"
    sleep "$SAMPLE_SECONDS"
done
wait "$WRK_PID" || true
WRK_PID=""
# dotnet-counters stops by itself after --duration; give it a little time, then stop it.
for _ in $(seq 1 30); do kill -0 "$COUNTERS_PID" 2>/dev/null || break; sleep 1; done
kill -KILL "$COUNTERS_PID" 2>/dev/null || true
wait "$COUNTERS_PID" 2>/dev/null || true
COUNTERS_PID=""
cat "$SOAK_ROOT/wrk.txt"

AUDIT="$(curl -s "$URL/v1/inventory/audit" -H "X-API-Key: $KEY" -H "X-Organization-ID: org_demo")"
case "$AUDIT" in *'"consistent":true'*) CONSISTENT=yes ;; *) CONSISTENT=no ;; esac

# --- analysis -----------------------------------------------------------------------------------------------
# GC heap (MB) and pool connections in use per counters sample, joined to the /proc samples by order.
awk -F, '
    NR == 1 { next }
    # GC heap after the last collection: the sum over generations (gen0 opens a new sample).
    $3 ~ /last_collection\.heap\.size/ { if ($3 ~ /generation=gen0/) h++; heap[h] += $NF / 1048576 }
    $3 ~ /db\.client\.connection\.count/ && $3 ~ /state=used/ { pool[++p] = $NF }
    END { for (i = 1; i <= (h > p ? h : p); i++) printf "%s,%s\n", (i in heap ? sprintf("%.1f", heap[i]) : ""), (i in pool ? pool[i] : "") }
' "$SOAK_ROOT/counters.csv" >"$SOAK_ROOT/counters-series.csv" || true
{ echo "gc_heap_mb,pool_in_use"; cat "$SOAK_ROOT/counters-series.csv"; } >"$SOAK_ROOT/counters-series.with-header.csv"
paste -d, "$SOAK_ROOT/samples.csv" "$SOAK_ROOT/counters-series.with-header.csv" | awk -F, 'NF >= 6 && $1 != ""' >"$SOAK_ROOT/joined.csv"

# trend COLUMN: mean of the first and last fifth after the first minute, and growth in percent.
trend() {
    awk -F, -v c="$1" 'NR > 1 && $1 >= 60 && $c != "" { v[++n] = $c }
        END { if (n < 5) { print "n/a,n/a,0"; exit } k = int(n / 5); for (i = 1; i <= k; i++) { a += v[i]; b += v[n - k + i] }
              a /= k; b /= k; printf "%.1f,%.1f,%.1f\n", a, b, (a > 0 ? (b - a) * 100 / a : 0) }' "$SOAK_ROOT/joined.csv"
}
REQUESTS="$(sed -n 's/^soak: \([0-9]*\) requests.*/\1/p' "$SOAK_ROOT/wrk.txt")"
NON2XX="$(sed -n 's/^soak: [0-9]* requests, \([0-9]*\) non-2xx.*/\1/p' "$SOAK_ROOT/wrk.txt")"
SOCKET="$(sed -n 's/.*socket errors connect \([0-9]*\) read \([0-9]*\) write \([0-9]*\) timeout \([0-9]*\).*/\1 \2 \3 \4/p' "$SOAK_ROOT/wrk.txt" | awk '{ print $1 + $2 + $3 + $4 }')"
LATENCY="$(sed -n 's/^soak: latency //p' "$SOAK_ROOT/wrk.txt")"
VERDICT=pass
REPORT="$ROOT/docs/soak-latest.md"
{
    echo "Soak run $(date -u '+%Y-%m-%d %H:%M') UTC: $MINUTES min, $CONNECTIONS connections (wrk, scripts/soak/mixed.lua), sampled every $SAMPLE_SECONDS s;"
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM, load average at the end $(cut -d' ' -f1-3 /proc/loadavg) (shared machine: other builds and tests ran alongside)."
    echo
    echo "- requests: ${REQUESTS:-?} ($(( ${REQUESTS:-0} / (MINUTES * 60) )) req/s), non-2xx: ${NON2XX:-?}, socket errors: ${SOCKET:-?}; latency ${LATENCY:-?}"
    echo "- audit afterwards: $([ "$CONSISTENT" = yes ] && echo consistent || echo MISMATCHES)"
    echo
    echo "| series | mean of first fifth | mean of last fifth | change |"
    echo "| --- | ---: | ---: | ---: |"
    for pair in "2:RSS (MB)" "3:threads" "4:handles (open fds)" "5:PostgreSQL connections (server side)" "7:GC heap (MB)" "8:Npgsql connections in use"; do
        col="${pair%%:*}"; name="${pair#*:}"
        IFS=, read -r first last growth <<<"$(trend "$col")"
        echo "| $name | $first | $last | $growth % |"
        case "$col" in 2 | 3 | 4 | 7)
            if [ "$first" != n/a ] && awk -v g="$growth" -v l="$GROWTH_LIMIT_PERCENT" 'BEGIN { exit !(g > l) }'; then VERDICT="fail ($name grew $growth %)"; fi ;;
        esac
    done
    echo
} >"$REPORT"
if [ "${NON2XX:-1}" != 0 ] || [ "${SOCKET:-1}" != 0 ] || [ "$CONSISTENT" != yes ]; then VERDICT="fail (errors or audit)"; fi
echo "Verdict: $VERDICT (growth limit $GROWTH_LIMIT_PERCENT % between the first and last fifth after a one-minute warm-up)." >>"$REPORT"

# --- plot ---------------------------------------------------------------------------------------------------
awk -F, -v minutes="$MINUTES" '
    BEGIN { n = 0 }
    NR == 1 { next }
    { t[n] = $1; for (c = 2; c <= 8; c++) { v[c, n] = $c; if ($c != "" && $c + 0 > max[c]) max[c] = $c + 0 } n++ }
    END {
        W = 640; H = 300; L = 50; R = 150; T = 20; B = 40; pw = W - L - R; ph = H - T - B
        tmax = (n > 0 && t[n - 1] > 0) ? t[n - 1] : 1
        printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">\n", W, H
        printf "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H
        printf "<text x=\"%d\" y=\"14\">Soak, %s min: each series as a share of its own maximum</text>\n", L, minutes
        printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", L, T + ph, L + pw, T + ph
        printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", L, T, L, T + ph
        printf "<text x=\"%d\" y=\"%d\">0</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d s</text>\n", L, H - 22, L + pw, H - 22, tmax
        printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">100%%</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">0%%</text>\n", L - 4, T + 4, L - 4, T + ph
        split("2:RSS,3:threads,4:handles,5:pg conns,7:GC heap,8:pool in use", s, ",")
        split("#d62728,#1f77b4,#2ca02c,#9467bd,#ff7f0e,#8c564b", color, ",")
        for (k = 1; k <= 6; k++) {
            split(s[k], p, ":"); c = p[1]
            if (max[c] <= 0) continue
            printf "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", color[k]
            for (i = 0; i < n; i++) if (v[c, i] != "") printf "%.1f,%.1f ", L + pw * t[i] / tmax, T + ph - ph * v[c, i] / max[c]
            printf "\"/>\n<text x=\"%d\" y=\"%d\" fill=\"%s\">%s (max %g)</text>\n", L + pw + 8, T + 14 * k, color[k], p[2], max[c]
        }
        print "</svg>"
    }' "$SOAK_ROOT/joined.csv" >"$ROOT/docs/soak.svg"

cat "$REPORT"
case "$VERDICT" in pass) exit 0 ;; *) exit 1 ;; esac

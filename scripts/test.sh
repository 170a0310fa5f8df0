#!/usr/bin/env bash
# Builds the solution and runs every test (unit and integration).
#
#   scripts/test.sh
#
# PostgreSQL for the integration tests: $SMACKDAB_TEST_POSTGRES if set, else
# Testcontainers when a Docker engine answers, else a throwaway local cluster
# the test fixtures create with initdb/pg_ctl. Redis: $SMACKDAB_TEST_REDIS
# (host:port) if set, else a redis-server child process per fixture. This
# script only makes sure the binaries exist (installing "postgresql" and
# "redis-server", and "chromium" for the dashboard page test, with apt when
# run as root); it starts no server itself. If
# the Debian package auto-starts its default cluster on port 5432, that
# cluster is left alone and not used.
#
# Prints "N passed, N failed" (", N skipped" when some did not run) summed
# over the .trx files in TestResults/, then the wall time, and exits with the
# exit code of dotnet test.
set -euo pipefail

START_SECONDS=$SECONDS
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib/postgres.sh
. "$ROOT/scripts/lib/postgres.sh"

SOLUTION="Smackdab.Inventory.sln"
RESULTS_DIR="$ROOT/TestResults"

print_wall_time() {
    printf 'Wall time: %ss\n' "$((SECONDS - START_SECONDS))"
}

# --- prerequisites ----------------------------------------------------------
# The fixtures look for initdb/pg_ctl on PATH, then in /usr/lib/postgresql/*/bin,
# and for redis-server on PATH, then at /usr/bin/redis-server.
if [ -z "${SMACKDAB_TEST_POSTGRES:-}" ]; then
    smk_ensure_pg_installed
    smk_log "PostgreSQL binaries: $SMK_PG_BINDIR"
else
    smk_log "using SMACKDAB_TEST_POSTGRES from the environment"
fi
if [ -z "${SMACKDAB_TEST_REDIS:-}" ]; then
    smk_ensure_redis_installed
else
    smk_log "using SMACKDAB_TEST_REDIS from the environment"
fi
# Headless Chromium drives the /dashboard page test (DashboardPageTests); the
# test fails, not skips, when it is missing.
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
    smk_apt_install chromium
fi

# --- build and test ---------------------------------------------------------
rm -rf "$RESULTS_DIR"

dotnet build "$SOLUTION" -c Release || {
    status=$?
    smk_err "build failed (exit $status)"
    print_wall_time
    exit "$status"
}

set +e
dotnet test "$SOLUTION" -c Release --no-build \
    --logger "console;verbosity=normal" \
    --logger "trx" \
    --results-directory "$RESULTS_DIR"
test_status=$?
set -e

# --- summary from the .trx files --------------------------------------------
# Each .trx has one element like
#   <Counters total="12" executed="11" passed="10" failed="1" error="0" ... />
trx_attr() { # trx_attr NAME FILE -> value of NAME in the Counters element (0 if absent)
    local v
    v="$(grep -o '<Counters [^>]*>' "$2" | head -n 1 | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p")"
    printf '%s\n' "${v:-0}"
}

total=0 executed=0 passed=0 failed=0 files=0
shopt -s nullglob globstar
for trx in "$RESULTS_DIR"/**/*.trx; do
    files=$((files + 1))
    total=$((total + $(trx_attr total "$trx")))
    executed=$((executed + $(trx_attr executed "$trx")))
    passed=$((passed + $(trx_attr passed "$trx")))
    failed=$((failed + $(trx_attr failed "$trx") + $(trx_attr error "$trx") + $(trx_attr timeout "$trx") + $(trx_attr aborted "$trx")))
done
shopt -u nullglob globstar

echo
if [ "$files" -eq 0 ]; then
    smk_err "no .trx files in $RESULTS_DIR; the test run did not complete"
    [ "$test_status" -ne 0 ] || test_status=1
fi
skipped=$((total - executed))
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
print_wall_time
exit "$test_status"

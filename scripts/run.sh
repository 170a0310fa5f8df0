#!/usr/bin/env bash
# Runs the Smackdab Inventory API from a fresh checkout.
#
#   scripts/run.sh
#
# - Listens on $ASPNETCORE_URLS (default http://127.0.0.1:5080).
# - Without ConnectionStrings__Postgres: installs PostgreSQL with apt if it is
#   missing (root only), starts a local cluster in .data/postgres on a free
#   loopback port (from 55432), creates database "smackdab" and points the API
#   at it. Ctrl-C stops the API and the cluster this script started; a cluster
#   that was already running is reused and left running.
# - Demo tenant: Seed__Demo=true makes the API apply migrations and seed
#   org_demo; the demo API key is $SMACKDAB_DEMO_API_KEY or one generated once
#   and kept in .data/demo-api-key.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib/postgres.sh
. "$ROOT/scripts/lib/postgres.sh"

DATA_DIR="$ROOT/.data"
API_PROJECT="src/Smackdab.Inventory.Api"
API_PID=""

export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://127.0.0.1:5080}"

stop_api() {
    local i
    if [ -n "$API_PID" ] && kill -0 "$API_PID" 2>/dev/null; then
        # The API runs in its own process group (set -m below): signal the
        # whole group so both "dotnet run" and the app it launched get it.
        # SIGTERM, not SIGINT: SIGINT may be ignored when this script itself
        # was started in the background; ASP.NET shuts down cleanly on TERM.
        kill -TERM -- "-$API_PID" 2>/dev/null || true
        for i in $(seq 1 75); do
            kill -0 -- "-$API_PID" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL -- "-$API_PID" 2>/dev/null || true
        wait "$API_PID" 2>/dev/null || true
    fi
    API_PID=""
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_api
    smk_pg_stop
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- database ---------------------------------------------------------------
if [ -z "${ConnectionStrings__Postgres:-}" ]; then
    smk_pg_start "$DATA_DIR" smackdab
    export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$SMK_PG_PORT;Database=smackdab;Username=postgres"
else
    smk_log "using ConnectionStrings__Postgres from the environment"
fi

# --- demo tenant and key ----------------------------------------------------
if [ -z "${SMACKDAB_DEMO_API_KEY:-}" ]; then
    key_file="$DATA_DIR/demo-api-key"
    mkdir -p "$DATA_DIR"
    if [ -s "$key_file" ]; then
        SMACKDAB_DEMO_API_KEY="$(tr -d '[:space:]' <"$key_file")"
    else
        random=""
        while [ "${#random}" -lt 32 ]; do
            random+="$(head -c 256 /dev/urandom | LC_ALL=C tr -dc 'a-z0-9')"
        done
        SMACKDAB_DEMO_API_KEY="sk_test_${random:0:32}"
        (umask 077 && printf '%s\n' "$SMACKDAB_DEMO_API_KEY" >"$key_file")
    fi
    chmod 600 "$key_file"
fi
export SMACKDAB_DEMO_API_KEY

# --- key that encrypts integrations' credentials ----------------------------
# Generated once and kept in .data/, so that stored credentials stay readable across restarts.
if [ -z "${Integrations__CredentialKey:-}" ]; then
    credential_key_file="$DATA_DIR/integration-credential-key"
    mkdir -p "$DATA_DIR"
    if [ ! -s "$credential_key_file" ]; then
        (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n' >"$credential_key_file")
    fi
    chmod 600 "$credential_key_file"
    Integrations__CredentialKey="$(tr -d '[:space:]' <"$credential_key_file")"
fi
export Integrations__CredentialKey
export Seed__Demo="${Seed__Demo:-true}"

# --- signing-key encryption key (kept with the data it protects) -------------
if [ -z "${Jwt__KeyEncryptionKey:-}" ]; then
    kek_file="$DATA_DIR/jwt-key-encryption-key"
    mkdir -p "$DATA_DIR"
    if [ ! -s "$kek_file" ]; then
        (umask 077 && head -c 32 /dev/urandom | base64 >"$kek_file")
    fi
    chmod 600 "$kek_file"
    Jwt__KeyEncryptionKey="$(tr -d '[:space:]' <"$kek_file")"
fi
export Jwt__KeyEncryptionKey

# --- banner -----------------------------------------------------------------
first_url="${ASPNETCORE_URLS%%;*}"
first_url="${first_url%/}"
# Wildcard hosts are not browsable; show loopback instead.
case "$first_url" in
    *://0.0.0.0:* | *://\*:* | *://+:* | *://\[::\]:*)
        first_url="${first_url%%://*}://127.0.0.1:${first_url##*:}" ;;
esac

# The OAuth metadata and token issuer name this API's own address unless set.
export Jwt__Issuer="${Jwt__Issuer:-$first_url}"

db_display="$(printf '%s' "$ConnectionStrings__Postgres" | sed -E 's/((Password|Pwd)=)[^;]*/\1***/Ig')"
stops="the API"
[ "${SMK_PG_STARTED:-0}" = 1 ] && stops="the API and PostgreSQL"

cat <<EOF

  Smackdab Inventory API
  Swagger UI : $first_url/swagger
  Demo org   : org_demo (branch_main)
  Demo key   : $SMACKDAB_DEMO_API_KEY
  Database   : $db_display

  curl -H "X-API-Key: $SMACKDAB_DEMO_API_KEY" -H "X-Organization-ID: org_demo" $first_url/v1/products

  Ctrl-C stops $stops.

EOF

# --- API --------------------------------------------------------------------
# Job control puts the API in its own process group, so a terminal Ctrl-C
# reaches only this script, whose trap then stops the API and the database.
set -m
dotnet run --project "$API_PROJECT" -c Release --no-launch-profile &
API_PID=$!
set +m

set +e
wait "$API_PID"
rc=$?
set -e
API_PID=""
exit "$rc"

# shellcheck shell=bash
# Helpers shared by scripts/run.sh and scripts/test.sh. Source this file; it
# defines functions only (prefix smk_) and changes no shell options.
#
# Local cluster layout (scripts/run.sh):
#   <repo>/.data/postgres        data directory (initdb once, trust auth, user "postgres")
#   <repo>/.data/postgres.log    server log
# The Unix socket lives inside the data directory, so nothing is written to
# /var/run/postgresql and clusters of different checkouts never collide.
#
# As root, PostgreSQL refuses to run, so the cluster belongs to the "postgres"
# OS user and every server command runs through runuser. If that user cannot
# reach <repo>/.data (for example a checkout under /root, which is mode 700),
# the cluster is placed in /var/tmp/smackdab-<hash of repo path>/ instead and
# <repo>/.data/postgres and <repo>/.data/postgres.log become symlinks to it.
# No permissions of the checkout's parent directories are changed.

smk_log() { printf '==> %s\n' "$*" >&2; }
smk_err() { printf 'error: %s\n' "$*" >&2; }

smk_is_root() { [ "$(id -u)" -eq 0 ]; }

# smk_find_pg_bindir [MAJOR]: print the directory holding initdb/pg_ctl/psql.
# Prefers /usr/lib/postgresql/MAJOR/bin when MAJOR is given, then the newest
# /usr/lib/postgresql/*/bin, then whatever initdb is on PATH.
smk_find_pg_bindir() {
    local want="${1:-}" dir best="" best_ver=-1 ver initdb_path
    if [ -n "$want" ] && [ -x "/usr/lib/postgresql/$want/bin/initdb" ]; then
        printf '%s\n' "/usr/lib/postgresql/$want/bin"
        return 0
    fi
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] || continue
        ver="${dir#/usr/lib/postgresql/}"
        ver="${ver%%/*}"
        ver="${ver%%.*}"
        case "$ver" in '' | *[!0-9]*) continue ;; esac
        if [ "$ver" -gt "$best_ver" ]; then
            best_ver="$ver"
            best="$dir"
        fi
    done
    if [ -n "$best" ]; then
        printf '%s\n' "$best"
        return 0
    fi
    if initdb_path="$(command -v initdb 2>/dev/null)"; then
        initdb_path="$(readlink -f "$initdb_path")"
        printf '%s\n' "$(dirname "$initdb_path")"
        return 0
    fi
    return 1
}

# smk_apt_install PACKAGE...: install Debian packages (root only).
smk_apt_install() {
    if ! smk_is_root; then
        smk_err "missing $*; install it (e.g. 'sudo apt-get install -y $*') or run this script as root"
        return 1
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        smk_err "missing $* and apt-get is not available; install it with your package manager"
        return 1
    fi
    smk_log "installing $* with apt-get"
    if [ -z "${SMK_APT_UPDATED:-}" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
        SMK_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# smk_pg_major BINDIR: print the major version of BINDIR/postgres (e.g. 15).
smk_pg_major() {
    "$1/postgres" --version 2>/dev/null | sed -nE 's/^[^0-9]*([0-9]+).*/\1/p'
}

# smk_ensure_pg_installed: make sure PostgreSQL server binaries exist; installs
# the Debian "postgresql" package when root. Sets SMK_PG_BINDIR.
smk_ensure_pg_installed() {
    if SMK_PG_BINDIR="$(smk_find_pg_bindir "${1:-}")"; then
        return 0
    fi
    smk_apt_install postgresql || return 1
    if ! SMK_PG_BINDIR="$(smk_find_pg_bindir "${1:-}")"; then
        smk_err "PostgreSQL was installed but initdb is still not found under /usr/lib/postgresql/*/bin"
        return 1
    fi
}

# smk_ensure_redis_installed: make sure redis-server exists (not started).
smk_ensure_redis_installed() {
    if command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; then
        return 0
    fi
    smk_apt_install redis-server
}

# smk_pg_as_owner CMD...: run CMD as the cluster owner ("postgres" when root),
# from / so an unreadable working directory does not matter.
smk_pg_as_owner() {
    if smk_is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# smk_port_in_use PORT: true when something accepts connections on 127.0.0.1:PORT.
smk_port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# smk_free_port [START]: print the first loopback port >= START (default 55432)
# that nothing listens on.
smk_free_port() {
    local port="${1:-55432}" last
    last=$((port + 500))
    while [ "$port" -le "$last" ]; do
        if ! smk_port_in_use "$port"; then
            printf '%s\n' "$port"
            return 0
        fi
        port=$((port + 1))
    done
    smk_err "no free port found in ${1:-55432}..$last"
    return 1
}

# smk_owner_can_use DIR: true when the cluster owner can read, write and enter DIR.
smk_owner_can_use() {
    smk_pg_as_owner test -d "$1" -a -r "$1" -a -w "$1" -a -x "$1" 2>/dev/null
}

# smk_pg_prepare_dirs ROOT: decide where the cluster lives. Sets SMK_PG_DATA
# (real data directory) and SMK_PG_LOG (real log file) and creates both with
# the right owner. ROOT is <repo>/.data.
smk_pg_prepare_dirs() {
    local root="$1" link="$1/postgres" loglink="$1/postgres.log" alt hash
    if smk_is_root && ! id postgres >/dev/null 2>&1; then
        smk_err "running as root needs an OS user 'postgres' to own the cluster (the Debian postgresql package creates it)"
        return 1
    fi
    mkdir -p "$root"

    if [ -L "$link" ]; then
        # An earlier run already chose the /var/tmp location.
        SMK_PG_DATA="$(readlink -f "$link")"
        SMK_PG_LOG="$(dirname "$SMK_PG_DATA")/postgres.log"
    else
        SMK_PG_DATA="$link"
        SMK_PG_LOG="$loglink"
    fi

    mkdir -p "$SMK_PG_DATA"
    chmod 700 "$SMK_PG_DATA"
    [ -e "$SMK_PG_LOG" ] || : >"$SMK_PG_LOG"
    if smk_is_root; then
        if [ "$(stat -c %U "$SMK_PG_DATA")" != postgres ]; then
            chown -R postgres:postgres "$SMK_PG_DATA"
        fi
        chown postgres:postgres "$SMK_PG_LOG"
        if ! smk_owner_can_use "$SMK_PG_DATA"; then
            # The postgres user cannot traverse the checkout's parent
            # directories: keep the cluster under /var/tmp and link to it.
            hash="$(printf '%s' "$root" | sha256sum | cut -c1-12)"
            alt="/var/tmp/smackdab-$hash"
            smk_log "postgres user cannot reach $root; using $alt (linked from $link)"
            mkdir -p "$alt/postgres"
            chmod 755 "$alt"
            chmod 700 "$alt/postgres"
            [ -e "$alt/postgres.log" ] || : >"$alt/postgres.log"
            chown postgres:postgres "$alt/postgres" "$alt/postgres.log"
            rm -rf "$link" "$loglink"
            ln -s "$alt/postgres" "$link"
            ln -s "$alt/postgres.log" "$loglink"
            SMK_PG_DATA="$alt/postgres"
            SMK_PG_LOG="$alt/postgres.log"
            if ! smk_owner_can_use "$SMK_PG_DATA"; then
                smk_err "postgres user cannot use $SMK_PG_DATA"
                return 1
            fi
        fi
    fi
}

# smk_pg_start ROOT [DBNAME]: start (or reuse) the local cluster under ROOT
# (<repo>/.data) and create DBNAME (default smackdab) if missing.
# Sets: SMK_PG_BINDIR, SMK_PG_DATA, SMK_PG_LOG, SMK_PG_PORT,
#       SMK_PG_STARTED (1 when this call started the server, 0 when reused).
smk_pg_start() {
    local root="$1" db="${2:-smackdab}" version="" port attempt sockdir opts exists
    SMK_PG_STARTED=0

    smk_pg_prepare_dirs "$root" || return 1
    if [ -f "$SMK_PG_DATA/PG_VERSION" ]; then
        version="$(cat "$SMK_PG_DATA/PG_VERSION")"
    fi
    smk_ensure_pg_installed "$version" || return 1
    if [ -n "$version" ] && [ "$(smk_pg_major "$SMK_PG_BINDIR")" != "$version" ]; then
        smk_err "$SMK_PG_DATA was created by PostgreSQL $version, which is not installed"
        smk_err "install postgresql-$version or delete $root/postgres to start over"
        return 1
    fi

    if [ ! -f "$SMK_PG_DATA/PG_VERSION" ]; then
        smk_log "initialising PostgreSQL cluster in $SMK_PG_DATA"
        smk_pg_as_owner "$SMK_PG_BINDIR/initdb" -D "$SMK_PG_DATA" --auth=trust \
            --username=postgres -E UTF8 --locale=C >"$root/initdb.log" 2>&1 || {
            smk_err "initdb failed; see $root/initdb.log"
            tail -n 20 "$root/initdb.log" >&2
            return 1
        }
    fi

    if smk_pg_as_owner "$SMK_PG_BINDIR/pg_ctl" status -D "$SMK_PG_DATA" >/dev/null 2>&1; then
        SMK_PG_PORT="$(sed -n 4p "$SMK_PG_DATA/postmaster.pid")"
        smk_log "reusing PostgreSQL already running on 127.0.0.1:$SMK_PG_PORT (left running on exit)"
    else
        # Unix sockets have a ~107 byte path limit; fall back to TCP only.
        sockdir="$SMK_PG_DATA"
        if [ "${#sockdir}" -gt 90 ] || [[ "$sockdir" == *"'"* ]]; then
            sockdir=""
        fi
        port=55432
        for attempt in 1 2 3 4 5; do
            port="$(smk_free_port "$port")" || return 1
            # 120 connections: two API instances at the default pool size (40 each) plus psql, pgbench and tests.
            opts="-p $port -k '$sockdir' -c listen_addresses=127.0.0.1 -c max_connections=120"
            smk_log "starting PostgreSQL on 127.0.0.1:$port (log: $SMK_PG_LOG)"
            if smk_pg_as_owner "$SMK_PG_BINDIR/pg_ctl" -D "$SMK_PG_DATA" -o "$opts" \
                -l "$SMK_PG_LOG" -w -t 60 start >/dev/null; then
                SMK_PG_PORT="$port"
                SMK_PG_STARTED=1
                break
            fi
            smk_log "start attempt $attempt on port $port failed"
            port=$((port + 1))
        done
        if [ "$SMK_PG_STARTED" != 1 ]; then
            smk_err "could not start PostgreSQL; last lines of $SMK_PG_LOG:"
            tail -n 20 "$SMK_PG_LOG" >&2
            return 1
        fi
    fi

    exists="$("$SMK_PG_BINDIR/psql" -h 127.0.0.1 -p "$SMK_PG_PORT" -U postgres -d postgres \
        -XtAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" || {
        smk_err "cannot connect to PostgreSQL on 127.0.0.1:$SMK_PG_PORT"
        return 1
    }
    if [ "$exists" != 1 ]; then
        smk_log "creating database $db"
        "$SMK_PG_BINDIR/psql" -h 127.0.0.1 -p "$SMK_PG_PORT" -U postgres -d postgres \
            -Xqc "CREATE DATABASE \"$db\"" || return 1
    fi
}

# smk_pg_stop: stop the cluster if smk_pg_start started it.
smk_pg_stop() {
    if [ "${SMK_PG_STARTED:-0}" = 1 ] && [ -n "${SMK_PG_DATA:-}" ]; then
        smk_log "stopping PostgreSQL (127.0.0.1:${SMK_PG_PORT:-?})"
        smk_pg_as_owner "$SMK_PG_BINDIR/pg_ctl" -D "$SMK_PG_DATA" -m fast -w stop >/dev/null || true
        SMK_PG_STARTED=0
    fi
}

# Shared helpers for Deploy/local scripts: install what is missing, run a throwaway PostgreSQL.
# Source it; it defines functions only.

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs the system packages Casebridge builds against, when missing.
ensure_packages() {
  local missing=()
  pkg-config --exists libsodium 2>/dev/null || missing+=(libsodium-dev)
  pkg-config --exists libpq 2>/dev/null || missing+=(libpq-dev)
  command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  command -v initdb >/dev/null 2>&1 || [ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if ! command -v initdb >/dev/null 2>&1; then
    PATH="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1):$PATH"
    export PATH
  fi
}

# Picks a free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Starts a throwaway PostgreSQL cluster (as user postgres when run as root), data and socket in a temp folder.
# Sets PG_TMP, PGHOST (the socket dir), PGPORT, PGUSER and PGDATABASE for libpq.
start_postgres() {
  PG_TMP=$(mktemp -d /tmp/casebridge-pg.XXXXXX)
  local runas=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$PG_TMP"
    chmod 700 "$PG_TMP"
    runas=(runuser -u postgres --)
  fi
  PGPORT=$(free_port)
  log "starting throwaway PostgreSQL in $PG_TMP (port $PGPORT, socket only)"
  "${runas[@]}" initdb -D "$PG_TMP/data" --auth=trust --username=casebridge --encoding=UTF8 --locale=C.UTF-8 >"$PG_TMP/initdb.log" 2>&1 \
    || { cat "$PG_TMP/initdb.log" >&2; return 1; }
  "${runas[@]}" pg_ctl -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k $PG_TMP -p $PGPORT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
    || { cat "$PG_TMP/server.log" >&2; return 1; }
  export PGHOST="$PG_TMP" PGPORT PGUSER=casebridge PGDATABASE=postgres
  PG_RUNAS=("${runas[@]}")
}

stop_postgres() {
  if [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP/data" ]; then
    "${PG_RUNAS[@]}" pg_ctl -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
  fi
}

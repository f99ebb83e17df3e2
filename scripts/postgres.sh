#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL server for the test suites, on loopback only.
#   scripts/postgres.sh start [DIR] [PORT]   prints the URL to export as SPENDSENSE_TEST_POSTGRES_URL
#   scripts/postgres.sh stop  [DIR]
# Needs Debian's postgresql package (`apt-get install -y postgresql`). Run as root or as postgres.
set -euo pipefail
action=${1:-start}
dir=${2:-/tmp/spendsense-pg}
port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "postgresql is not installed (apt-get install -y postgresql)" >&2; exit 1; }

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

case "$action" in
  start)
    if [ ! -f "$dir/PG_VERSION" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
      as_postgres "$bin/initdb -D '$dir' --auth=trust -U postgres" >/dev/null
    fi
    if ! as_postgres "$bin/pg_ctl -D '$dir' status" >/dev/null 2>&1; then
      as_postgres "$bin/pg_ctl -D '$dir' -l '$dir/log' -w -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off\" start" >/dev/null
    fi
    for _ in $(seq 1 50); do
      if as_postgres "$bin/pg_isready -h 127.0.0.1 -p $port" >/dev/null 2>&1; then break; fi
      sleep 0.2
    done
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_postgres "$bin/pg_ctl -D '$dir' -m fast stop" >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop [DIR] [PORT]" >&2; exit 2 ;;
esac

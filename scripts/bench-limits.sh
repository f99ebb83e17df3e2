#!/usr/bin/env bash
# The cost of the API rate limits on the hottest call, GET /api/v1/users/me (release server on SQLite, wrk on
# loopback, 64 connections, 10 s per round, 2 rounds each): limits off, limits counted in process memory, limits
# counted in Redis (a local redis-server). Limits are set high enough never to refuse, so every request is counted.
# Rewrites the limits table in BENCHMARKS.md. Run by `make bench`, alone with `BENCH_ONLY=limits make bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v redis-server >/dev/null || { [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
bin=.build/release/spendsense-server
[ -x "$bin" ] || swift build -c release --product spendsense-server
data=$(mktemp -d)
port=${BENCH_PORT:-18090}
redis_port=$((port + 1))
redis-server --port "$redis_port" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no --pidfile "$data/redis.pid" >/dev/null
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  [ -f "$data/redis.pid" ] && kill "$(cat "$data/redis.pid")" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

start() {  # env assignments for the server
  env "$@" LOG_LEVEL=warning "$bin" serve --port "$port" --data-dir "$data" > "$data/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do grep -q "listening on" "$data/server.log" && break; sleep 0.1; done
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }

rows=""
measure() {  # label, then env for the server
  local label=$1; shift
  start "$@"
  local token
  token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"email":"bench@example.com","password":"Bench-mark-2026!"}' | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  for round in 1 2; do
    local out rps p50 p99 bad
    out=$(wrk -t2 -c64 -d10s --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/users/me")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}'); p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}'); bad=$(echo "$out" | awk '/Non-2xx/ {print $5}')
    echo "$label, round $round: $rps req/s, p50 $p50, p99 $p99${bad:+, non-2xx $bad}"
    rows="$rows
| $label | $round | $rps | $p50 | $p99 | ${bad:-0} |"
  done
  stop
}

# One account for every run (same database).
start API_RATE_LIMIT_PER_USER=0 API_RATE_LIMIT_PER_IP=0
curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/register" -H 'Content-Type: application/json' \
  -d '{"email":"bench@example.com","password":"Bench-mark-2026!"}' >/dev/null
stop

measure "limits off" API_RATE_LIMIT_PER_USER=0 API_RATE_LIMIT_PER_IP=0
measure "limits on, in memory" API_RATE_LIMIT_PER_USER=1000000000 API_RATE_LIMIT_PER_IP=1000000000
measure "limits on, Redis" API_RATE_LIMIT_PER_USER=1000000000 API_RATE_LIMIT_PER_IP=1000000000 REDIS_URL="redis://127.0.0.1:$redis_port/0"

/usr/bin/python3 - "$(date -u +%Y-%m-%d)" "$rows" <<'PY'
import re, sys
date, rows = sys.argv[1], sys.argv[2].strip()
path = "BENCHMARKS.md"
text = open(path, encoding="utf-8").read()
block = (
    "<!-- limits:start -->\n"
    f"Measured {date} (`BENCH_ONLY=limits make bench`, `scripts/bench-limits.sh`): release server on SQLite, "
    "`wrk -t2 -c64 -d10s` on loopback against `GET /api/v1/users/me`, 2 rounds each. With limits on, every request "
    "is counted twice (per address in `IPRateLimitMiddleware`, per user in `AuthMiddleware`); the limits are set too "
    "high to refuse anything. Redis is a local `redis-server` on the same 2 cores.\n\n"
    "| configuration | round | req/s | p50 | p99 | non-2xx |\n|---|---|---|---|---|---|\n"
    f"{rows}\n"
    "<!-- limits:end -->"
)
if "<!-- limits:start -->" in text:
    text = re.sub(r"<!-- limits:start -->.*?<!-- limits:end -->", block, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n## Rate limits on the hot path\n\n" + block + "\n"
open(path, "w", encoding="utf-8").write(text)
PY

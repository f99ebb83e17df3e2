#!/usr/bin/env bash
# HTTP load run: release server on SQLite, wrk on loopback (64 connections, 10 s, 3 rounds) against
# GET /api/v1/users/me with a valid token. Prints the figures and rewrites the table in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# One load generator on one address as one user: the API rate limits would cut the runs short.
export API_RATE_LIMIT_PER_USER=0 API_RATE_LIMIT_PER_IP=0
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
if [ "${BENCH_ONLY:-}" != console ] && [ "${BENCH_ONLY:-}" != limits ] && [ "${BENCH_ONLY:-}" != hardening ]; then
[ "${BENCH_ONLY:-}" = engine ] || swift build -c release --product spendsense-server
swift build -c release --product spendsense-engine-bench

# Engine: one heavy user, then 10,000 generated users.
engine=$(.build/release/spendsense-engine-bench)
echo "$engine"
value() { echo "$engine" | awk -F'\t' -v k="$1" '$1==k {print $2}'; }
/usr/bin/python3 - "$(date -u +%Y-%m-%d)" "$(value one_user_transactions)" "$(value one_user_upload_bytes)" \
  "$(value one_user_pipeline_p50)" "$(value one_user_pipeline_p90)" "$(value many_users)" "$(value many_users_seconds)" <<'PY'
import re, sys
date, tx, size, p50, p90, users, secs = sys.argv[1:]
path = "BENCHMARKS.md"
text = open(path, encoding="utf-8").read()
block = (
    "<!-- engine:start -->\n"
    f"Measured {date} (`make bench`, `spendsense-engine-bench`, release build, 2 cores).\n\n"
    "| figure | value | target |\n|---|---|---|\n"
    f"| one user, {tx} transactions ({int(size)//1024} KB JSON): parse + validate + signals + personas + recommendations, p50 | {p50} ms | < 2 ms |\n"
    f"| same, p90 | {p90} ms | |\n"
    f"| {users} generated users, same pipeline on all cores | {secs} s | < 20 s |\n"
    "<!-- engine:end -->"
)
text = re.sub(r"<!-- engine:start -->.*?<!-- engine:end -->", block, text, flags=re.S)
open(path, "w", encoding="utf-8").write(text)
PY
fi
# `BENCH_ONLY=engine make bench` stops here (no server needed).
[ "${BENCH_ONLY:-}" = engine ] && exit 0
# The rate limits' cost on the hot path, in memory and in Redis (BENCH_ONLY=limits runs only that).
if [ "${BENCH_ONLY:-}" = limits ]; then swift build -c release --product spendsense-server; exec scripts/bench-limits.sh; fi
# The console's figures (BENCH_ONLY=console runs only those).
if [ -z "${BENCH_ONLY:-}" ] || [ "${BENCH_ONLY}" = console ]; then scripts/bench-console.sh; fi
[ "${BENCH_ONLY:-}" = console ] && exit 0
# Concurrent writers and hostile multipart bodies (BENCH_ONLY=hardening runs only those).
if [ -z "${BENCH_ONLY:-}" ] || [ "${BENCH_ONLY}" = hardening ]; then
  [ "${BENCH_ONLY:-}" = hardening ] && swift build -c release --product spendsense-server
  scripts/bench-hardening.sh
fi
[ "${BENCH_ONLY:-}" = hardening ] && exit 0

bin=.build/release/spendsense-server
data=$(mktemp -d)
port=${BENCH_PORT:-18080}
log="$data/server.log"
LOG_LEVEL=warning "$bin" serve --port "$port" --data-dir "$data" > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$log" && break; sleep 0.1; done

token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/register" \
  -H 'Content-Type: application/json' -d '{"email":"bench@example.com","password":"Bench-mark-2026!"}' \
  | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

results=()
for round in 1 2 3; do
  out=$(wrk -t2 -c64 -d10s --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/users/me")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  echo "round $round: $rps req/s, p50 $p50, p99 $p99${non2xx:+, non-2xx $non2xx}"
  results+=("| $round | $rps | $p50 | $p99 | ${non2xx:-0} |")
done

# A ~10 MB upload from request to `completed`, and the server's peak RSS.
.build/release/spendsense-engine-bench --write-upload "$data/upload.json" 9.9 >/dev/null
upload_bytes=$(stat -c %s "$data/upload.json")
start_ns=$(date +%s%N)
upload_id=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/data/upload" -H "Authorization: Bearer $token" \
  -F "file=@$data/upload.json;filename=upload.json" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["upload_id"])')
accepted_ns=$(date +%s%N)
status=pending
for _ in $(seq 1 1200); do
  status=$(curl -sf "http://127.0.0.1:$port/api/v1/data/upload/$upload_id" -H "Authorization: Bearer $token" \
    | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
  [ "$status" = completed ] || [ "$status" = failed ] && break
  sleep 0.05
done
done_ns=$(date +%s%N)
peak_rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
upload_accept_ms=$(( (accepted_ns - start_ns) / 1000000 ))
upload_total_ms=$(( (done_ns - start_ns) / 1000000 ))
echo "upload: $upload_bytes bytes, accepted in $upload_accept_ms ms, $status after $upload_total_ms ms, peak RSS $peak_rss_kb kB"

# GET /users/{id}/profile, cached (default) and uncached (second server, cache off, same data).
user_id=$(curl -sf "http://127.0.0.1:$port/api/v1/users/me" -H "Authorization: Bearer $token" \
  | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["user_id"])')
wrk_line() {
  out=$(wrk -t2 -c64 -d10s --latency -H "Authorization: Bearer $token" "$1")
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '$1=="50%" {print $2}') $(echo "$out" | awk '$1=="99%" {print $2}') $(echo "$out" | awk '/Non-2xx/ {print $5}')"
}
read -r cached_rps cached_p50 cached_p99 cached_bad <<<"$(wrk_line "http://127.0.0.1:$port/api/v1/users/$user_id/profile")"
kill $server; wait $server 2>/dev/null || true
RESPONSE_CACHE_TTL_SECONDS=0 LOG_LEVEL=warning "$bin" serve --port "$port" --data-dir "$data" > "$log" 2>&1 &
server=$!
for _ in $(seq 1 100); do grep -q "listening on" "$log" && break; sleep 0.1; done
read -r uncached_rps uncached_p50 uncached_p99 uncached_bad <<<"$(wrk_line "http://127.0.0.1:$port/api/v1/users/$user_id/profile")"
echo "profile cached: $cached_rps req/s p99 $cached_p99; uncached: $uncached_rps req/s p99 $uncached_p99"

kill $server; wait $server 2>/dev/null || true

# The operator review queue with 100,000 recommendations, on SQLite and PostgreSQL; then a 500-id bulk approve.
review_bench() {  # $1 = label, $2 = DATABASE_URL or empty
  local dir; dir=$(mktemp -d)
  local rport=$((port + 1))
  DATABASE_URL="$2" LOG_LEVEL=warning "$bin" seed --demo --users 0 --data-dir "$dir" >/dev/null
  DATABASE_URL="$2" LOG_LEVEL=warning "$bin" bench-seed --recommendations 100000 --data-dir "$dir" >/dev/null
  DATABASE_URL="$2" LOG_LEVEL=warning "$bin" serve --port "$rport" --data-dir "$dir" > "$dir/server.log" 2>&1 &
  local rserver=$!
  for _ in $(seq 1 100); do grep -q "listening on" "$dir/server.log" && break; sleep 0.1; done
  local otoken
  otoken=$(curl -sf -X POST "http://127.0.0.1:$rport/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"email":"operator@example.com","password":"SpendSense-demo-1!"}' | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  local out
  out=$(wrk -t2 -c64 -d10s --latency -H "Authorization: Bearer $otoken" \
    "http://127.0.0.1:$rport/api/v1/operator/review?type=education&sort=-created_at&limit=50&skip=100")
  local rps p50 p99 bad
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}'); p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}'); bad=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  curl -sf "http://127.0.0.1:$rport/api/v1/operator/review?limit=500" -H "Authorization: Bearer $otoken" \
    | /usr/bin/python3 -c 'import json,sys; ids=[i["recommendation"]["recommendation_id"] for i in json.load(sys.stdin)["items"]]; print(json.dumps({"action":"approve","recommendation_ids":ids}))' > "$dir/bulk.json"
  local t0 t1 approved
  t0=$(date +%s%N)
  approved=$(curl -sf -X POST "http://127.0.0.1:$rport/api/v1/operator/review/bulk" -H "Authorization: Bearer $otoken" \
    -H 'Content-Type: application/json' --data @"$dir/bulk.json" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"].get("approved",0))')
  t1=$(date +%s%N)
  kill $rserver; wait $rserver 2>/dev/null || true
  rm -rf "$dir"
  echo "| $1 | $rps | $p50 | $p99 | ${bad:-0} | $approved in $(( (t1 - t0) / 1000000 )) ms |"
}
review_rows=$(review_bench "SQLite" "")
echo "$review_rows"
pgdir=/tmp/spendsense-bench-pg
pgurl=$(scripts/postgres.sh start "$pgdir" 55439)
pgdb="bench_$(date +%s)"
psql "$pgurl" -qc "CREATE DATABASE $pgdb" >/dev/null
review_rows="$review_rows
$(review_bench "PostgreSQL" "${pgurl%/*}/$pgdb")"
psql "$pgurl" -qc "DROP DATABASE $pgdb WITH (FORCE)" >/dev/null || true
scripts/postgres.sh stop "$pgdir"
echo "$review_rows"
/usr/bin/python3 - "$(date -u +%Y-%m-%d)" "$review_rows" <<'PY'
import re, sys
date, rows = sys.argv[1], sys.argv[2]
path = "BENCHMARKS.md"
text = open(path, encoding="utf-8").read()
block = (
    "<!-- review:start -->\n"
    f"Measured {date} (`make bench`), release build, 100,000 pending recommendations of 12,500 consenting users, "
    "`GET /api/v1/operator/review?type=education&sort=-created_at&limit=50&skip=100` with wrk -t2 -c64 -d10s; "
    "then one `POST /api/v1/operator/review/bulk` approving 500 ids.\n\n"
    "| database | requests/s | p50 | p99 | non-2xx | bulk approve of 500 |\n|---|---|---|---|---|---|\n"
    f"{rows}\n"
    "<!-- review:end -->"
)
text = re.sub(r"<!-- review:start -->.*?<!-- review:end -->", block, text, flags=re.S)
open(path, "w", encoding="utf-8").write(text)
PY

date=$(date -u +%Y-%m-%d)
/usr/bin/python3 - "$date" "$upload_bytes" "$upload_accept_ms" "$upload_total_ms" "$status" "$peak_rss_kb" \
  "$cached_rps" "$cached_p50" "$cached_p99" "${cached_bad:-0}" "$uncached_rps" "$uncached_p50" "$uncached_p99" "${uncached_bad:-0}" <<'PY'
import re, sys
(date, size, accept, total, status, rss, crps, cp50, cp99, cbad, urps, up50, up99, ubad) = sys.argv[1:]
path = "BENCHMARKS.md"
text = open(path, encoding="utf-8").read()
block = (
    "<!-- data:start -->\n"
    f"Measured {date} (`make bench`), release build, SQLite, loopback, 2 cores.\n\n"
    "| figure | value |\n|---|---|\n"
    f"| upload of {int(size)/1e6:.1f} MB JSON: accepted (validated, encrypted, stored, queued) | {accept} ms |\n"
    f"| same upload: request to `{status}` (worker parsed, ran the engine, wrote every row) | {total} ms |\n"
    f"| server peak RSS during the run (VmHWM) | {int(rss)//1024} MB |\n"
    f"| `GET /api/v1/users/{{id}}/profile`, cached: requests/s, p50, p99, non-2xx | {crps}, {cp50}, {cp99}, {cbad} |\n"
    f"| same, cache off (`RESPONSE_CACHE_TTL_SECONDS=0`) | {urps}, {up50}, {up99}, {ubad} |\n"
    "<!-- data:end -->"
)
text = re.sub(r"<!-- data:start -->.*?<!-- data:end -->", block, text, flags=re.S)
open(path, "w", encoding="utf-8").write(text)
PY

table=$(printf '%s\n' "${results[@]}")
/usr/bin/python3 - "$date" "$table" <<'PY'
import re, sys
date, table = sys.argv[1], sys.argv[2]
path = "BENCHMARKS.md"
text = open(path, encoding="utf-8").read()
block = (
    "<!-- users-me:start -->\n"
    f"Measured {date} (`make bench`), release build, SQLite, wrk -t2 -c64 -d10s on loopback, 2 cores shared by server and wrk.\n\n"
    "| round | requests/s | p50 | p99 | non-2xx |\n|---|---|---|---|---|\n"
    f"{table}\n"
    "<!-- users-me:end -->"
)
text = re.sub(r"<!-- users-me:start -->.*?<!-- users-me:end -->", block, text, flags=re.S)
open(path, "w", encoding="utf-8").write(text)
PY

# The rate limits' cost on the same call, in memory and in Redis.
scripts/bench-limits.sh

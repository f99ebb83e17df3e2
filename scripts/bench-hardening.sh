#!/usr/bin/env bash
# Issue 12's figures: 64 concurrent writers on the embedded default (SQLite file) for 10 s, and the time to
# answer the worst multipart bodies under the 10 MB limit. Release server, wrk and curl on loopback.
# Rewrites the section between the hardening markers in BENCHMARKS.md. `BENCH_ONLY=hardening make bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
bin=.build/release/spendsense-server
[ -x "$bin" ] || swift build -c release --product spendsense-server
data=$(mktemp -d)
port=${BENCH_PORT:-18090}
base="http://127.0.0.1:$port"
server=""
cleanup() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; rm -rf "$data"; }
trap cleanup EXIT
API_RATE_LIMIT_PER_USER=0 API_RATE_LIMIT_PER_IP=0 REGISTRATION_LIMIT=100000 LOG_LEVEL=warning \
  "$bin" serve --port "$port" --data-dir "$data" > "$data/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do grep -q "listening on" "$data/server.log" && break; sleep 0.1; done

# 64 users, one token each, in a Lua table for wrk.
writers=64
: > "$data/tokens.lua"
echo "tokens = {" >> "$data/tokens.lua"
for i in $(seq 1 $writers); do
  token=$(curl -sf -X POST "$base/api/v1/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"writer$i@example.com\",\"password\":\"Bench-mark-2026!\"}" \
    | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  echo "  \"$token\"," >> "$data/tokens.lua"
done
echo "}" >> "$data/tokens.lua"
cat > "$data/writes.lua" <<LUA
dofile("$data/tokens.lua")
local n = 0
request = function()
  n = n + 1
  local token = tokens[math.random(#tokens)]
  local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  if n % 2 == 0 then
    return wrk.format("PUT", "/api/v1/users/me", headers, '{"name": "Writer ' .. n .. '"}')
  end
  return wrk.format("POST", "/api/v1/consent", headers, '{"consent_version": "2026-01", "tos_accepted": true}')
end
LUA
out=$(wrk -t2 -c64 -d10s --latency -s "$data/writes.lua" "$base")
w_rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
w_p50=$(echo "$out" | awk '$1=="50%" {print $2}')
w_p99=$(echo "$out" | awk '$1=="99%" {print $2}')
w_bad=$(echo "$out" | awk '/Non-2xx/ {print $5}')
w_errors=$(echo "$out" | awk '/Socket errors/ {print $0}')
w_total=$(echo "$out" | awk '/requests in/ {print $1}')
echo "writes: $w_total requests, $w_rps req/s, p50 $w_p50, p99 $w_p99, non-2xx ${w_bad:-0} ${w_errors}"

# The worst multipart bodies a client may send under the limit, timed to the answer.
token=$(head -2 "$data/tokens.lua" | tail -1 | tr -d ' ",')
/usr/bin/python3 - "$data" <<'PY'
import sys
d = sys.argv[1]
b = b"bench"
limit = 10 * 1024 * 1024
empty = b"--" + b + b"\r\n\r\n\r\n"
open(f"{d}/empty-parts.bin", "wb").write(empty * (limit // len(empty)) + b"--" + b + b"--\r\n")
head = b"--" + b + b'\r\nContent-Disposition: form-data; name="file"; filename="f.json"\r\n\r\n'
tail = b"\r\n--" + b + b"--\r\n"
open(f"{d}/carriage-returns.bin", "wb").write(head + b"\r" * (limit - 200) + tail)
near = b"\r\n--benc"
open(f"{d}/near-boundaries.bin", "wb").write(head + near * ((limit - 200) // len(near)) + tail)
PY
rows=""
for body in empty-parts carriage-returns near-boundaries; do
  result=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -X POST "$base/api/v1/data/upload" \
    -H "Authorization: Bearer $token" -H "Content-Type: multipart/form-data; boundary=bench" -H 'Expect:' \
    --data-binary @"$data/$body.bin")
  size=$(stat -c %s "$data/$body.bin")
  echo "multipart $body ($size bytes): $result"
  rows="$rows| $body ($(( size / 1024 )) KB) | ${result%% *} | ${result##* } s |
"
done
kill -0 "$server" || { echo "the server died" >&2; exit 1; }
health=$(curl -s -o /dev/null -w '%{http_code}' "$base/health")
echo "health after: $health"

/usr/bin/python3 - "$(date -u +%Y-%m-%d)" "$w_total" "$w_rps" "$w_p50" "$w_p99" "${w_bad:-0}" "${w_errors:-none}" "$rows" "$health" <<'PY'
import re, sys
date, total, rps, p50, p99, bad, errors, rows, health = sys.argv[1:]
path = "BENCHMARKS.md"
text = open(path, encoding="utf-8").read()
block = (
    "<!-- hardening:start -->\n"
    f"Measured {date} (`BENCH_ONLY=hardening make bench`, `scripts/bench-hardening.sh`), release build, SQLite file, loopback, 2 cores shared by server and load.\n\n"
    "64 connections for 10 s, each request a write by one of 64 users (alternately `PUT /api/v1/users/me` and `POST /api/v1/consent`):\n\n"
    "| requests | requests/s | p50 | p99 | non-2xx | socket errors |\n|---|---|---|---|---|---|\n"
    f"| {total} | {rps} | {p50} | {p99} | {bad} | {errors.replace('Socket errors: ', '') if errors != 'none' else 'none'} |\n\n"
    "The worst multipart bodies under the 10 MB limit, `POST /api/v1/data/upload`, time to the answer (curl):\n\n"
    "| body | status | time |\n|---|---|---|\n" + rows +
    f"\n`GET /health` afterwards: {health}.\n"
    "<!-- hardening:end -->"
)
if "<!-- hardening:start -->" in text:
    text = re.sub(r"<!-- hardening:start -->.*?<!-- hardening:end -->", block, text, flags=re.S)
else:
    text += "\n## Hostile and concurrent clients (issue 12)\n\n" + block + "\n"
open(path, "w", encoding="utf-8").write(text)
PY

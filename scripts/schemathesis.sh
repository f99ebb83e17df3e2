#!/usr/bin/env bash
# Schemathesis (PyPI, 4.x) over the server's own /openapi.json with every check, a fixed seed and a fixed
# number of examples, as operator, user and admin, against a seeded development server on loopback.
# Zero failures expected. `make test-contract` runs it; .ci/run too.
# Left out, because they end the very session the run signs in with: logout, logout-all, DELETE /users/me,
# DELETE /auth/sessions/{id}; and the development stand-in provider under /dev/oauth (not in the contract).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/debug}
examples=${SCHEMATHESIS_EXAMPLES:-25}
seed=${SCHEMATHESIS_SEED:-20261201}
command -v schemathesis >/dev/null || python3 -m pip install -q 'schemathesis>=4,<5'
[ -x "$BIN/spendsense-server" ] || swift build --product spendsense-server
data=$(mktemp -d)
port=${CONTRACT_PORT:-18130}
base="http://127.0.0.1:$port"
server=""
cleanup() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; rm -rf "$data"; }
trap cleanup EXIT
export SPENDSENSE_ENV=development BCRYPT_COST=4 API_RATE_LIMIT_PER_USER=0 API_RATE_LIMIT_PER_IP=0 \
  REGISTRATION_LIMIT=1000000 LOGIN_FAILURE_LIMIT=1000000 SMS_PER_HOUR=1000000 SMS_PER_DAY=1000000 PASSWORD_RESET_PER_HOUR=1000000 \
  OAUTH_DEV_PROVIDER=1 LOG_LEVEL=warning
"$BIN/spendsense-server" seed --demo --users 5 --data-dir "$data" > "$data/seed.log" 2>&1
"$BIN/spendsense-server" serve --port "$port" --data-dir "$data" > "$data/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do grep -q "listening on" "$data/server.log" && break; sleep 0.1; done
token() {
  curl -sf -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1@example.com\",\"password\":\"SpendSense-demo-1!\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
logs=${SCHEMATHESIS_LOGS:-.build/schemathesis}
mkdir -p "$logs"
status=0
for role in operator user admin; do
  echo "schemathesis: as $role"
  if ! schemathesis run "$base/openapi.json" --url "$base" --checks all --seed "$seed" --max-examples "$examples" \
      --generation-database none --no-color --workers 1 --request-timeout 20 \
      -H "Authorization: Bearer $(token "$role")" \
      --exclude-path-regex '^/api/v1/auth/(logout|logout-all|sessions/\{session_id\})$' \
      --exclude-by 'method == "DELETE" and path == "/api/v1/users/me"' \
      --report junit --report-dir "$logs/report-$role" > "$logs/$role.log" 2>&1; then
    echo "schemathesis: failures as $role (exit $?)"
    status=1
  fi
  sed -n '/SUMMARY/,$p' "$logs/$role.log"
  kill -0 "$server" 2>/dev/null || { echo "schemathesis: the server died" >&2; tail -20 "$data/server.log" >&2; exit 1; }
done
exit $status

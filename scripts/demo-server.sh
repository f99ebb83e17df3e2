# Sourced by the scripts that drive the console in tmux (e2e.sh, screenshots.sh, bench-console.sh).
# Needs BIN and session set. Makes a scratch directory ($data), starts a seeded demo server on a free port
# ($url, $server_pid), and on exit kills the tmux session and the server and removes $data.
data=$(mktemp -d)
server_pid=""
cleanup() {
  tmux kill-session -t "$session" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

# `spendsense demo --headless` seeds, serves, and prints the URL once it listens.
"$BIN/spendsense" demo --headless --data-dir "$data/demo" > "$data/url" 2> "$data/demo.err" &
server_pid=$!
for _ in $(seq 1 600); do [ -s "$data/url" ] && break; sleep 0.2; done
url=$(head -1 "$data/url")
if [ -z "$url" ]; then
  echo "the demo server did not start:" >&2
  cat "$data/demo.err" >&2
  exit 1
fi

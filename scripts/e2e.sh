#!/usr/bin/env bash
# End-to-end: drives the real `spendsense` binary in tmux against a real server (a seeded demo server on a free
# port): sign in, sort the queue, filter, mark 3 items, bulk approve through the preview dialog, open a trace,
# resize to 80×24 and back, quit; then a provider sign-in through the development provider, and a password reset
# through the CLI and the development outbox. Asserts on the captured screen text and on the server's state (read back with
# the scriptable CLI). Run by `make test` when tmux is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/debug}
command -v tmux >/dev/null || { echo "e2e: tmux is not installed; skipped"; exit 0; }

session="spendsense-e2e-$$"
# A real server with demo data: $url, $server_pid, $data.
source scripts/demo-server.sh
fail() {
  echo "e2e FAILED: $*" >&2
  echo "--- screen ---" >&2
  tmux capture-pane -p -t "$session" >&2 2>/dev/null || true
  echo "--- server log (tail) ---" >&2
  tail -20 "$data/demo/server.log" >&2 2>/dev/null || true
  exit 1
}
screen() { tmux capture-pane -p -t "$session"; }
wait_for() {  # text [seconds]
  local limit=$(( ${2:-20} * 5 ))
  for _ in $(seq 1 "$limit"); do
    screen | grep -qF -- "$1" && return 0
    sleep 0.2
  done
  fail "timed out waiting for: $1"
}
keys() { tmux send-keys -t "$session" "$@"; sleep 0.15; }

echo "e2e: server at $url"

# The CLI reads the server's state with its own session.
cli() { "$BIN/spendsense" "$@" --server "$url" --credentials "$data/cli.json"; }
echo 'SpendSense-demo-1!' | "$BIN/spendsense" login --email admin@example.com --password-stdin --server "$url" --credentials "$data/cli.json" >/dev/null
approved_count() { cli review list --status approved --limit 500 --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }
before=$(approved_count)

# The console, signed out: the login screen first.
tmux -u new-session -d -s "$session" -x 120 -y 34 -e LANG=C.UTF-8 \
  "$BIN/spendsense --server $url --credentials $data/console.json; echo console-exited-\$?; sleep 30"
wait_for "Sign in to SpendSense"
keys 'operator@example.com' Enter
keys 'SpendSense-demo-1!' Enter
wait_for "Pending "
wait_for "Created ▼"

# Sort: > moves to the first column, < back, I inverts.
keys '>'
wait_for "Status ▲"
keys '<'
wait_for "Created ▲"
keys 'I'
wait_for "Created ▼"

# Filter to one persona; every row shown must match.
keys '/' 'persona:high' Enter
wait_for 'filter “persona:high”'
rows=$(screen | sed -n '4,31p' | grep -E ' (pending|approved|rejected) ' || true)
[ -n "$rows" ] || fail "no rows after filtering"
echo "$rows" | grep -v "High Utilization" && fail "a row outside the filter is shown"

# Mark three rows and approve them through the preview.
keys g ' ' ' ' ' '
wait_for "3 marked"
keys a
wait_for "Approve 3 recommendations:"
wait_for "y confirms"
keys y
wait_for "3 approved, 0 not changed"
after=$(approved_count)
[ "$after" -eq $((before + 3)) ] || fail "server has $after approved recommendations, expected $((before + 3))"
echo "e2e: server state ok ($before → $after approved)"

# Open the current row's decision trace.
keys Enter
wait_for "Decision trace"
keys Tab
wait_for "Checks:"
wait_for "passed"

# Resize to 80×24 and back; the screen must fit each size.
tmux resize-window -t "$session" -x 80 -y 24
sleep 0.5
wait_for "Checks:"
width=$(screen | PYTHONIOENCODING=utf-8 /usr/bin/python3 -c '
import sys, unicodedata
cells = lambda line: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
print(max([cells(l.rstrip("\n")) for l in sys.stdin] + [0]))')
[ "$width" -le 80 ] || fail "a line is $width columns wide at 80×24"
[ "$(screen | wc -l)" -le 24 ] || fail "more than 24 lines at 80×24"
tmux resize-window -t "$session" -x 120 -y 34
sleep 0.5
wait_for "Review queue › Recommendation"

# Back to the queue, then quit.
keys q
wait_for "Pending "
keys q
wait_for "console-exited-0"
tmux kill-session -t "$session"

# Provider sign-in from the console: Ctrl-O, pick GitHub, open the short link "in a browser" (curl plays the
# browser against the development stand-in provider), and the console signs itself in by polling.
tmux -u new-session -d -s "$session" -x 100 -y 30 -e LANG=C.UTF-8 \
  "$BIN/spendsense --server $url --credentials $data/oauth.json; echo console-exited-\$?; sleep 30"
wait_for "Sign in to SpendSense"
keys C-o
wait_for "Sign in with a provider you already use"
keys h Enter
wait_for "Waiting for the browser"
link=$(screen | grep -o "$url/api/v1/auth/oauth/go/[A-Z0-9]*" | head -1)
[ -n "$link" ] || fail "no short link on the screen"
authorize=$(curl -s -o /dev/null -w '%{redirect_url}' "$link")
case "$authorize" in "$url/dev/oauth/github/authorize?"*) ;; *) fail "the short link led to: $authorize" ;; esac
callback=$(curl -s -o /dev/null -w '%{redirect_url}' -X POST "${authorize%%\?*}" \
  --data "${authorize#*\?}&email=e2e.person%40example.com&name=E2E&decision=approve")
case "$callback" in "$url/api/v1/auth/oauth/github/callback?code="*) ;; *) fail "the provider sent the browser to: $callback" ;; esac
curl -s "$callback" | grep -q "go back to the terminal" || fail "the callback page did not confirm"
wait_for "Signed in as e2e.person@example.com"

# Link Google from the sessions screen the same way.
keys 6
wait_for "Sign in with: GitHub"
keys K
wait_for "Link a provider"
keys Enter
wait_for "Open this link in any browser"
link=$(screen | grep -o "$url/api/v1/auth/oauth/go/[A-Z0-9]*" | head -1)
authorize=$(curl -s -o /dev/null -w '%{redirect_url}' "$link")
callback=$(curl -s -o /dev/null -w '%{redirect_url}' -X POST "${authorize%%\?*}" \
  --data "${authorize#*\?}&email=e2e.google%40example.com&name=E2E&decision=approve")
curl -s "$callback" | grep -q "is linked" || fail "the link callback page did not confirm"
wait_for "Linked Google"
wait_for "Sign in with: GitHub · Google"
keys q
keys q
wait_for "console-exited-0"
"$BIN/spendsense" account methods --server "$url" --credentials "$data/oauth.json" | grep -q "providers  GitHub (e2e.person@example.com)" \
  || fail "the account does not list GitHub"
echo "e2e: provider sign-in ok"

# Forgotten password: the CLI asks, the development outbox has the token, the CLI resets, the new password works.
"$BIN/spendsense" password forgot --email user@example.com --server "$url" >/dev/null
# Looked for up to 5 s: one run (2026-12-01) found no token right after the 202, which is not understood yet.
token=""
for _ in $(seq 1 50); do
  token=$(curl -s "$url/api/v1/dev/outbox?to=user@example.com" | /usr/bin/python3 -c '
import json, sys
body = next((m["body"] for m in json.load(sys.stdin) if m.get("channel") == "email"), "")
print(next((l.split(": ", 1)[1] for l in body.splitlines() if l.startswith("Your reset token: ")), ""))' 2>/dev/null || true)
  [ -n "$token" ] && break
  sleep 0.1
done
[ -n "$token" ] || fail "no reset token in the outbox"
echo 'Fresh-e2e-password-9' | "$BIN/spendsense" password reset --token "$token" --password-stdin --server "$url" >/dev/null
echo 'Fresh-e2e-password-9' | "$BIN/spendsense" login --email user@example.com --password-stdin --server "$url" --credentials "$data/user.json" >/dev/null \
  || fail "the new password does not sign in"
if echo 'Fresh-e2e-password-9' | "$BIN/spendsense" password reset --token "$token" --password-stdin --server "$url" 2>/dev/null; then
  fail "a reset token worked twice"
fi
echo "e2e: password reset ok"
echo "e2e: passed"

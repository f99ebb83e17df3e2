#!/usr/bin/env bash
# Drives the real console in tmux against `spendsense demo`-style data and renders a PNG of each main screen
# into screenshots/. Needs tmux, python3-pil and fonts-dejavu-core (installed here when missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/.."
for p in python3-pil fonts-dejavu-core tmux; do
  dpkg -s "$p" >/dev/null 2>&1 || { [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null; }
done
BIN=${BIN:-.build/debug}
mkdir -p screenshots
rm -f screenshots/home.png  # the pre-queue home screen no longer exists
session=spendsense-shots
cols=120 rows=34
source scripts/demo-server.sh

wait_for() {
  for _ in $(seq 1 300); do
    tmux capture-pane -p -t "$session" | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  echo "timed out waiting for: $1" >&2
  tmux capture-pane -p -t "$session" >&2
  return 1
}
keys() { tmux send-keys -t "$session" "$@"; sleep 0.2; }
shot() {
  sleep 0.4
  tmux capture-pane -e -N -p -t "$session" > "screenshots/$1.ansi"
  /usr/bin/python3 scripts/ansi2png.py "screenshots/$1.ansi" "screenshots/$1.png" $cols $rows
  rm "screenshots/$1.ansi"
  echo "screenshots/$1.png"
}
# Opens the console signed in as $1 (or at the login screen with "").
open_console() {
  tmux kill-session -t "$session" 2>/dev/null || true
  while tmux has-session -t "$session" 2>/dev/null; do sleep 0.1; done
  sleep 0.5
  if [ -n "$1" ]; then
    echo 'SpendSense-demo-1!' | "$BIN/spendsense" login --email "$1" --password-stdin --server "$url" --credentials "$data/c.json" >/dev/null
  else
    rm -f "$data/c.json"
  fi
  tmux -u new-session -d -s "$session" -x $cols -y $rows -e LANG=C.UTF-8 -e TERM=xterm-256color \
    "$BIN/spendsense --server $url --credentials $data/c.json"
}

# Operator: queue, marks and the bulk preview, detail and trace, analytics, users, help.
open_console operator@example.com
wait_for "Created ▼"
keys j j ' ' ' ' ' '
shot queue
keys a
wait_for "Approve 3 recommendations"
shot bulk-preview
keys n
keys x
wait_for "Reason"
keys Tab 'Rationale quotes the wrong card'
shot reject
keys Escape
keys Enter
wait_for "Decision trace"
shot detail
keys Tab
wait_for "Checks:"
keys j j j j j j j j j j j j Right
shot trace
keys q 2
wait_for "Engagement"
shot analytics
keys 3
wait_for "Consent"
shot users
keys Enter
wait_for "Persona history"
keys Tab
shot user-signals
keys 1 '?'
wait_for "Press any key to close"
shot help

# End user: their own page, after an operator approved some of their recommendations.
echo 'SpendSense-demo-1!' | "$BIN/spendsense" login --email admin@example.com --password-stdin --server "$url" --credentials "$data/admin.json" >/dev/null
"$BIN/spendsense" review list --limit 500 --json --server "$url" --credentials "$data/admin.json" \
  | /usr/bin/python3 -c 'import json,sys; print("\n".join([i["recommendation"]["recommendation_id"] for i in json.load(sys.stdin)["items"] if i.get("user_email") == "user@example.com"][:4]))' \
  | "$BIN/spendsense" review bulk approve - --server "$url" --credentials "$data/admin.json" >/dev/null
open_console user@example.com
wait_for "Your recommendations"
shot me

# Admin: users and the audit log.
open_console admin@example.com
wait_for "Created ▼"
keys 5
wait_for "Audit log"
shot admin
keys Tab
sleep 0.5
shot audit

# Signed out: the login screen with a wrong password.
open_console ""
wait_for "Sign in to SpendSense"
keys 'operator@example.com' Enter 'not-the-password' Enter
wait_for "incorrect"
shot login-error

# Signed out: provider sign-in, the short link to open in any browser.
open_console ""
wait_for "Sign in to SpendSense"
keys C-o
wait_for "Sign in with a provider you already use"
keys h Enter
wait_for "Waiting for the browser"
shot login-provider

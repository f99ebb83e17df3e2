#!/usr/bin/env bash
# Drives the console in tmux against a demo server and renders PNGs into screenshots/.
# Needs tmux, python3-pil and fonts-dejavu-core (installed here when missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/.."
for p in python3-pil fonts-dejavu-core tmux; do
  dpkg -s "$p" >/dev/null 2>&1 || { [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null; }
done
mkdir -p screenshots
session=spendsense-shots
cols=100 rows=30
data=$(mktemp -d)
tmux kill-session -t "$session" 2>/dev/null || true
tmux -u new-session -d -s "$session" -x $cols -y $rows -e LANG=C.UTF-8 -e TERM=xterm-256color \
  ".build/debug/spendsense demo --data-dir $data"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$data"' EXIT

wait_for() {
  for _ in $(seq 1 300); do
    tmux capture-pane -p -t "$session" | grep -q "$1" && return 0
    sleep 0.2
  done
  echo "timed out waiting for: $1" >&2
  tmux capture-pane -p -t "$session" >&2
  return 1
}
shot() {
  sleep 0.3
  tmux capture-pane -e -N -p -t "$session" > "screenshots/$1.ansi"
  /usr/bin/python3 scripts/ansi2png.py "screenshots/$1.ansi" "screenshots/$1.png" $cols $rows
  rm "screenshots/$1.ansi"
  echo "screenshots/$1.png"
}

wait_for "Member since"
shot home
tmux send-keys -t "$session" '?'
wait_for "Press any key to close"
shot help
tmux send-keys -t "$session" x L
wait_for "Sign in to SpendSense"
tmux send-keys -t "$session" 'not-the-password' Enter
wait_for "incorrect"
shot login-error
tmux send-keys -t "$session" q

#!/usr/bin/env bash
# Console figures for BENCHMARKS.md (run by `make bench`, or alone with BENCH_ONLY=console make bench):
#  - the review queue with 50,000 rows in memory: load, sort, filter, one 160×48 frame (`spendsense bench-ui`);
#  - the real console in tmux against a seeded demo server: time from start to first drawn frame and to the
#    first page of the queue on screen, idle CPU over 10 s, peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product spendsense
swift build -c release --product spendsense-server
BIN=.build/release
ui=$("$BIN/spendsense" bench-ui)
echo "$ui"
value() { echo "$ui" | awk -F'\t' -v k="$1" '$1==k {print $2}'; }

session="spendsense-bench-$$"
source scripts/demo-server.sh

first_frames=() queue_shown=()
for run in 1 2 3 4 5; do
  cp "$data/demo/credentials.json" "$data/creds.json"
  rm -f "$data/frame"
  start=$(date +%s.%N)
  tmux -u new-session -d -s "$session" -x 160 -y 48 -e LANG=C.UTF-8 \
    "exec env SPENDSENSE_FIRST_FRAME_FILE=$data/frame $BIN/spendsense --server $url --credentials $data/creds.json"
  for _ in $(seq 1 500); do tmux capture-pane -p -t "$session" | grep -q "Pending [0-9]" && break; sleep 0.01; done
  shown=$(date +%s.%N)
  frame=$(cat "$data/frame")
  first_frames+=("$(awk -v a="$frame" -v b="$start" 'BEGIN { printf "%.1f", (a - b) * 1000 }')")
  queue_shown+=("$(awk -v a="$shown" -v b="$start" 'BEGIN { printf "%.1f", (a - b) * 1000 }')")
  if [ "$run" -lt 5 ]; then tmux kill-session -t "$session"; sleep 0.3; fi
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]}'; }
first_frame=$(median "${first_frames[@]}")
first_queue=$(median "${queue_shown[@]}")

# Idle: the last console stays open on the queue (periodic refresh every 30 s) for 10 s.
pid=$(tmux display -p -t "$session" '#{pane_pid}')
sleep 2
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
t0=$(ticks "$pid"); sleep 10; t1=$(ticks "$pid")
hz=$(getconf CLK_TCK)
idle_cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) * 100 / (hz * 10) }')
rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$pid/status")
echo "first frame ${first_frame} ms, queue on screen ${first_queue} ms, idle CPU ${idle_cpu}%, peak RSS ${rss} MB"

/usr/bin/python3 - "$(date -u +%Y-%m-%d)" "$(value ui_rows)" "$(value ui_load_ms)" "$(value ui_sort_ms)" "$(value ui_filter_ms)" \
  "$(value ui_frame_ms)" "$(value ui_peak_rss_kb)" "$first_frame" "$first_queue" "$idle_cpu" "$rss" <<'PY'
import re, sys
date, rows, load, sort, filt, frame, uirss, first, queue, idle, rss = sys.argv[1:]
path = "BENCHMARKS.md"
text = open(path, encoding="utf-8").read()
block = (
    "<!-- console:start -->\n"
    f"Measured {date} (`make bench`, `scripts/bench-console.sh`), release build, 2 cores.\n\n"
    "| figure | value |\n|---|---|\n"
    f"| review queue of {int(rows):,} rows in memory: load the page (rows, sort keys, search text) | {load} ms |\n"
    f"| same: sort by another column | {sort} ms |\n"
    f"| same: filter (`/rosa`, `persona:high`) | {filt} ms |\n"
    f"| same: render one 160×48 frame | {frame} ms |\n"
    f"| peak RSS of that benchmark process ({int(rows):,} review items and rows) | {int(uirss)//1024} MB |\n"
    f"| real console in tmux: start to first drawn frame (median of 5) | {first} ms |\n"
    f"| same: start to the first queue page on screen (sign-in from saved tokens, fetch of 500 rows; polled every 10 ms) | {queue} ms |\n"
    f"| same: idle CPU on the queue over 10 s (refresh every 30 s) | {idle}% |\n"
    f"| same: peak RSS of the console | {rss} MB |\n"
    "<!-- console:end -->"
)
if "<!-- console:start -->" in text:
    text = re.sub(r"<!-- console:start -->.*?<!-- console:end -->", block, text, flags=re.S)
else:
    text += "\n## Console\n\nThe operator console (`spendsense`).\n\n" + block + "\n"
open(path, "w", encoding="utf-8").write(text)
PY

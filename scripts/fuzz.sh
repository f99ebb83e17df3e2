#!/usr/bin/env bash
# libFuzzer over the parsers a client reaches: the JSON and CSV upload readers, the validator and engine on
# well-formed documents, and the multipart/header/duplicate-key readers. Built with -sanitize=fuzzer,address in
# .build-fuzz (SPENDSENSE_FUZZ=1 adds the targets to the package). Seeds are in Fuzz/Corpus/TARGET; the growing
# corpus stays in .build-fuzz/corpus. A crash stops the run, its input is copied to Fuzz/Regressions/TARGET/
# (commit it: the regression tests replay every file there) and the script fails.
# FUZZ_SECONDS (default 60) per target; FUZZ_TARGETS to pick some.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-"FuzzJSON FuzzCSV FuzzValidator FuzzMultipart"}
export SPENDSENSE_FUZZ=1
for target in $targets; do
  swift build --scratch-path .build-fuzz --product "$target" -Xswiftc -sanitize=fuzzer,address 2>&1 | grep -E "error|warning: unre|Build of" || true
done
status=0
for target in $targets; do
  corpus=.build-fuzz/corpus/$target
  artifacts=.build-fuzz/artifacts/$target/
  mkdir -p "$corpus" "$artifacts" "Fuzz/Regressions/$target"
  echo "fuzz: $target for ${seconds}s"
  if ! ASAN_OPTIONS=detect_leaks=0 ".build-fuzz/debug/$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
      -rss_limit_mb=4096 -artifact_prefix="$artifacts" -print_final_stats=1 "$corpus" "Fuzz/Corpus/$target" > ".build-fuzz/$target.log" 2>&1; then
    echo "fuzz: $target FAILED; see .build-fuzz/$target.log" >&2
    tail -30 ".build-fuzz/$target.log" >&2
    cp "$artifacts"* "Fuzz/Regressions/$target/" 2>/dev/null || true
    status=1
  else
    grep -E "stat::number_of_executed_units|Done" ".build-fuzz/$target.log" | tail -2
  fi
done
exit $status

#!/usr/bin/env bash
# The whole-system benchmark: Weir against the machine's limits (loopback TCP, disk writes) and
# its peers (Redis Streams, NATS JetStream), in one run. Prints one table (median, min-max of the
# repeats, ratios to loopback TCP and to the best peer, the issue-6 targets as pass/fail) and
# writes it as results.md, results.csv and results.json (every run) into the output directory.
#
# Usage: bench/run.sh [--quick] [--out DIR] [bench.py options...]
#   --quick            1 repeat, small counts: a smoke check in a couple of minutes
#   --out DIR          where results go (default: a new temp dir, printed at the end)
#   --reps N           repeats per figure (5)
#   --work-dir DIR     where data dirs and fio's files go (default: the temp dir); its filesystem
#                      is the one whose disk limits are measured
#   bench/bench.py --help lists the rest (counts, sizes, partitions, acks, latency linger ...)
# Needs Debian 12; installs/builds its tools on first run (bench/setup.sh; cache: $WEIR_BENCH_DIR).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cache="${WEIR_BENCH_DIR:-$HOME/.cache/weir-bench}"

perf="$("$here/setup.sh" | tail -n 1)"
"$root/weir" --version >/dev/null   # builds .artifacts/weir when the sources changed
exec /usr/bin/python3 "$here/bench.py" --perf "$perf" --weir-dll "$root/.artifacts/weir/weir.dll" \
  --node-path "$cache/nats/node_modules" "$@"

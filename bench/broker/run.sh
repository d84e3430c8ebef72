#!/usr/bin/env bash
# Whole-broker benchmark: loopback TCP reference (iperf3), then rdkafka_performance producing to
# and consuming from a fresh Weir broker for 100 B / 1 KiB records x 1 / 4 partitions x acks 1 / -1,
# 3 runs each; prints a table (medians, min-max) and writes results.{md,csv,json} + broker.log.
#
# Usage: bench/broker/run.sh [--out DIR] [bench.py options...]
#   --out DIR          where results go (default: a new temp dir, printed at the end)
#   --reps N           runs per measurement (3)
#   --count-100 N      records per run for 100 B (2,000,000); --count-1024 N for 1 KiB (1,000,000)
#   --sizes, --partitions, --acks   comma lists (100,1024 / 1,4 / 1,-1)
#   --light-rate R     records/s of the light-load latency run (1000; 0 skips it)
#   --keep-data        keep the broker's data dir
# Needs Debian 12; installs/builds its tools on first run (see setup.sh; cache: $WEIR_BENCH_DIR).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

perf="$("$here/setup.sh" | tail -n 1)"
"$root/weir" --version >/dev/null   # builds .artifacts/weir when the sources changed
exec /usr/bin/python3 "$here/bench.py" --perf "$perf" --weir-dll "$root/.artifacts/weir/weir.dll" "$@"

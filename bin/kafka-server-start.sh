#!/usr/bin/env bash
# Kafka's kafka-server-start.sh, so tutorials' commands run as written: the same flags, served by `weir start`.
# -daemon detaches as Kafka's does: output to $LOG_DIR/kafkaServer.out (LOG_DIR defaults to logs/ under
# the install), and the script returns at once. Without a file, `weir start` runs its single-node defaults.
set -euo pipefail
base_dir="$(cd "$(dirname "$0")/.." && pwd)"
if [ "${1:-}" = "-daemon" ]; then
  shift
  LOG_DIR="${LOG_DIR:-$base_dir/logs}"
  mkdir -p "$LOG_DIR"
  # Build (when the sources changed) before detaching, so the broker starts as soon as the script returns.
  WEIR_BUILD_ONLY=1 "$base_dir/weir"
  nohup "$base_dir/weir" start "$@" > "$LOG_DIR/kafkaServer.out" 2>&1 < /dev/null &
  exit 0
fi
exec "$base_dir/weir" start "$@"

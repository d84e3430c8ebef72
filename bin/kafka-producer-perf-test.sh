#!/usr/bin/env bash
# Kafka's kafka-producer-perf-test.sh, so tutorials' commands run as written: the same flags, served by `weir producer-perf-test`.
exec "$(cd "$(dirname "$0")/.." && pwd)/weir" producer-perf-test "$@"

#!/usr/bin/env bash
# Kafka's kafka-consumer-perf-test.sh, so tutorials' commands run as written: the same flags, served by `weir consumer-perf-test`.
exec "$(cd "$(dirname "$0")/.." && pwd)/weir" consumer-perf-test "$@"

#!/usr/bin/env bash
# Kafka's kafka-consumer-groups.sh, so tutorials' commands run as written: the same flags, served by `weir consumer-groups`.
exec "$(cd "$(dirname "$0")/.." && pwd)/weir" consumer-groups "$@"

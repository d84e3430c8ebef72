#!/usr/bin/env bash
# Kafka's kafka-topics.sh, so tutorials' commands run as written: the same flags, served by `weir topics`.
exec "$(cd "$(dirname "$0")/.." && pwd)/weir" topics "$@"

#!/usr/bin/env bash
# Kafka's kafka-log-dirs.sh, so tutorials' commands run as written: the same flags, served by `weir log-dirs`.
exec "$(cd "$(dirname "$0")/.." && pwd)/weir" log-dirs "$@"

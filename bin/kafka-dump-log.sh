#!/usr/bin/env bash
# Kafka's kafka-dump-log.sh, so tutorials' commands run as written: the same flags, served by `weir dump-log`.
exec "$(cd "$(dirname "$0")/.." && pwd)/weir" dump-log "$@"

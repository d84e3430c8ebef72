#!/usr/bin/env bash
# Kafka's kafka-delete-records.sh, so tutorials' commands run as written: the same flags, served by `weir delete-records`.
exec "$(cd "$(dirname "$0")/.." && pwd)/weir" delete-records "$@"

#!/usr/bin/env bash
# Kafka's kafka-storage.sh, so tutorials' commands run as written: the same flags, served by `weir storage`.
exec "$(cd "$(dirname "$0")/.." && pwd)/weir" storage "$@"

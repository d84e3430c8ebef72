#!/usr/bin/env bash
# Kafka's kafka-get-offsets.sh, so tutorials' commands run as written: the same flags, served by `weir get-offsets`.
exec "$(cd "$(dirname "$0")/.." && pwd)/weir" get-offsets "$@"

#!/usr/bin/env bash
# Kafka's kafka-configs.sh, so tutorials' commands run as written: the same flags, served by `weir configs`.
exec "$(cd "$(dirname "$0")/.." && pwd)/weir" configs "$@"

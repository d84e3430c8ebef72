#!/usr/bin/env bash
# Kafka's kafka-server-start.sh, so tutorials' commands run as written: the same flags, served by `weir start`.
exec "$(cd "$(dirname "$0")/.." && pwd)/weir" start "$@"

#!/usr/bin/env bash
# Kafka's kafka-metadata-quorum.sh, so tutorials' commands run as written: the same flags, served by `weir metadata-quorum`.
exec "$(cd "$(dirname "$0")/.." && pwd)/weir" metadata-quorum "$@"

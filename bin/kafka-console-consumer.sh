#!/usr/bin/env bash
# Kafka's kafka-console-consumer.sh, so tutorials' commands run as written: the same flags, served by `weir console-consumer`.
exec "$(cd "$(dirname "$0")/.." && pwd)/weir" console-consumer "$@"

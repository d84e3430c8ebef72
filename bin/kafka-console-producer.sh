#!/usr/bin/env bash
# Kafka's kafka-console-producer.sh, so tutorials' commands run as written: the same flags, served by `weir console-producer`.
exec "$(cd "$(dirname "$0")/.." && pwd)/weir" console-producer "$@"

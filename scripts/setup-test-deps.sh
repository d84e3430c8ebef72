#!/usr/bin/env bash
# Installs, when missing, the real Kafka clients and tools the tests drive: kcat (librdkafka),
# kafka-python and confluent-kafka with their codecs for Debian's /usr/bin/python3.
# Idempotent; needs root (apt) only the first time.
set -euo pipefail
need=()
for p in kcat python3-kafka python3-confluent-kafka python3-snappy python3-lz4 python3-zstandard liblz4-1 libzstd1; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
  echo "== installing test dependencies: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${need[@]}" >/dev/null
fi

# librdkafka's own test suite, which the broker tests run tiers of.
bash "$(dirname "$0")/setup-librdkafka-suite.sh"

#!/usr/bin/env bash
# Builds librdkafka 2.0.2's own test suite (tests/test-runner) and rdkafka_performance from
# Debian's source package of librdkafka (the same sources as upstream v2.0.2), once, into
# ${WEIR_CLIENTS_DIR:-~/.cache/weir-clients}/librdkafka. Idempotent; needs root (apt) the first time.
set -euo pipefail
DIR="${WEIR_CLIENTS_DIR:-$HOME/.cache/weir-clients}"
RDK="$DIR/librdkafka"
[ -x "$RDK/tests/test-runner" ] && [ -x "$RDK/examples/rdkafka_performance" ] && exit 0

export DEBIAN_FRONTEND=noninteractive
need=()
for p in build-essential pkg-config dpkg-dev zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
  apt-get update -qq
  apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${need[@]}" >/dev/null
fi

echo "== building librdkafka 2.0.2's test suite into $RDK (a few minutes, once)"
src=$(mktemp -d)
chmod 755 "$src"
mkdir -p "$src/lists/partial" "$src/parts"
# A private deb-src list derived from the machine's apt sources; /etc/apt is not changed.
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$src/parts/debian.sources"
fi
if [ -f /etc/apt/sources.list ]; then
  sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > "$src/sources.list"
else
  : > "$src/sources.list"
fi
opts=(-o "Dir::Etc::SourceList=$src/sources.list" -o "Dir::Etc::SourceParts=$src/parts" -o "Dir::State::Lists=$src/lists")
apt-get "${opts[@]}" update -qq
(cd "$src" && apt-get "${opts[@]}" source --download-only -qq librdkafka=2.0.2-1)
mkdir -p "$RDK"
tar -xzf "$src"/librdkafka_2.0.2.orig.tar.gz -C "$RDK" --strip-components=1
rm -rf "$src"
cd "$RDK"
./configure --prefix="$RDK/_install" >/dev/null
make -j"$(nproc)" libs >/dev/null
make -j"$(nproc)" -C examples rdkafka_performance >/dev/null
make -j"$(nproc)" -C tests build >/dev/null
echo "librdkafka test suite: $RDK/tests/test-runner"

#!/usr/bin/env bash
# Installs and builds what the whole-broker benchmark needs, on Debian 12 (idempotent):
#   - rdkafka_performance (librdkafka 2.0.2's load generator), built from Debian's source package,
#   - iperf3, for the raw loopback TCP reference,
#   - kafka-python for Debian's /usr/bin/python3 (topic create/delete between runs).
# Missing Debian packages are installed with apt-get (as root, or through sudo).
# Usage: [WEIR_BENCH_DIR=dir] bench/setup.sh     (default dir: ~/.cache/weir-bench)
# Prints the path of rdkafka_performance on its last line.
set -euo pipefail
DIR="${WEIR_BENCH_DIR:-$HOME/.cache/weir-bench}"
RDK="$DIR/librdkafka-2.0.2"
PERF="$RDK/examples/rdkafka_performance"
export DEBIAN_FRONTEND=noninteractive

SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo -E)

need=()
for p in iperf3 fio redis-server redis-tools nats-server python3-kafka build-essential pkg-config dpkg-dev \
         zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
# Node.js only when there is none (a newer one from elsewhere is fine).
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if ((${#need[@]})); then
  echo "setup: installing ${need[*]}" >&2
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${need[@]}" >/dev/null
fi

if [ ! -x "$PERF" ]; then
  echo "setup: building rdkafka_performance (librdkafka 2.0.2) into $RDK" >&2
  # Debian's source package of librdkafka 2.0.2 (the sources of upstream tag v2.0.2), fetched
  # through a private deb-src list derived from the machine's own apt sources; /etc/apt is not changed.
  S=$(mktemp -d); chmod 755 "$S"
  trap 'rm -rf "$S"' EXIT
  mkdir -p "$S/lists/partial" "$S/parts"
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$S/parts/debian.sources"
  fi
  if [ -f /etc/apt/sources.list ]; then
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > "$S/sources.list"
  else
    : > "$S/sources.list"
  fi
  O=(-o "Dir::Etc::SourceList=$S/sources.list" -o "Dir::Etc::SourceParts=$S/parts" -o "Dir::State::Lists=$S/lists")
  apt-get "${O[@]}" update -qq
  (cd "$S" && apt-get "${O[@]}" source --download-only -qq librdkafka=2.0.2-1)
  rm -rf "$RDK"; mkdir -p "$RDK"
  tar -xzf "$S"/librdkafka_2.0.2.orig.tar.gz -C "$RDK" --strip-components=1
  (
    cd "$RDK"
    ./configure --prefix="$RDK/_install"
    make -j"$(nproc)" libs
    make -j"$(nproc)" -C examples rdkafka_performance
  ) >"$DIR/build.log" 2>&1 || { tail -40 "$DIR/build.log" >&2; echo "setup: build failed, see $DIR/build.log" >&2; exit 1; }
fi

# The JetStream load script's client library, pinned by bench/nats/package-lock.json.
here="$(cd "$(dirname "$0")" && pwd)"
NATS="$DIR/nats"
if ! cmp -s "$here/nats/package-lock.json" "$NATS/package-lock.json" || [ ! -d "$NATS/node_modules/nats" ]; then
  echo "setup: installing the npm nats client into $NATS" >&2
  mkdir -p "$NATS"
  cp "$here/nats/package.json" "$here/nats/package-lock.json" "$NATS/"
  (cd "$NATS" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

/usr/bin/python3 -c 'import kafka' || { echo "setup: kafka-python missing for /usr/bin/python3" >&2; exit 1; }
for t in iperf3 fio redis-server redis-benchmark nats-server node; do
  command -v "$t" >/dev/null || { echo "setup: $t missing" >&2; exit 1; }
done
"$PERF" -h 2>&1 | grep -m1 'librdkafka version' >&2 || true
echo "$PERF"

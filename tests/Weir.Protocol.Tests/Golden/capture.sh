#!/usr/bin/env bash
# Reproduces the golden Kafka frames in this folder from a real client: kcat (librdkafka) talking
# to librdkafka's built-in mock cluster over loopback TCP, captured with tcpdump, cut into single
# frames by extract_frames.py and decoded independently by tshark's Kafka dissector.
#
# usage: capture.sh [OUTDIR]   (default: this folder). Needs root (tcpdump on lo, apt).
# Existing .bin files in OUTDIR are kept (first capture wins); capture into an empty folder to
# compare a fresh run with the committed one. Record timestamps and the mock's ports differ from
# run to run, so fresh Produce/Fetch frames are not byte-identical to the committed ones.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "${1:-$here}" && pwd)

need=()
for p in kcat tcpdump tshark; do
  command -v "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${need[@]}" >/dev/null
fi

work=$(mktemp -d)
holder_pid=""
dump_pid=""
cleanup() {
  [ -n "$dump_pid" ] && kill "$dump_pid" 2>/dev/null || true
  exec 3>&- 2>/dev/null || true
  [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The mock cluster lives inside the librdkafka instance that asks for it, so one idle kcat
# producer holds it (stdin kept open on fd 3) while the captured kcat runs connect to it.
mkfifo "$work/holder.in"
kcat -b 127.0.0.1:1 -X test.mock.num.brokers=1 -X client.id=weir-holder \
  -P -t weir-holder <"$work/holder.in" 2>"$work/holder.log" &
holder_pid=$!
exec 3>"$work/holder.in"
for _ in $(seq 100); do
  grep -q "Mock cluster enabled" "$work/holder.log" && break
  sleep 0.1
done
bootstrap=$(sed -n 's/.*replaced with \([0-9.]*:[0-9]*\).*/\1/p' "$work/holder.log" | head -1)
[ -n "$bootstrap" ] || { cat "$work/holder.log"; echo "mock cluster did not start" >&2; exit 1; }
port=${bootstrap##*:}
echo "== mock cluster at $bootstrap (librdkafka $(kcat -V | sed -n 's/.*librdkafka \([0-9.]*\).*/\1/p'))"

: >"$work/frames.tsv"
# step NAME EXTRACT_OPTS... -- COMMAND...: captures COMMAND's traffic with the mock broker.
step() {
  local name=$1
  shift
  local opts=()
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done
  shift
  echo "== $name: $*"
  tcpdump -i lo -U -s 0 -w "$work/$name.pcap" "tcp port $port" 2>"$work/$name.tcpdump.log" &
  dump_pid=$!
  for _ in $(seq 100); do
    grep -qs "listening on" "$work/$name.tcpdump.log" && break
    sleep 0.1
  done
  "$@"
  sleep 1 # let tcpdump drain its buffer; the extractor fails on any missing byte anyway
  kill -INT "$dump_pid"
  wait "$dump_pid" || true
  dump_pid=""
  /usr/bin/python3 "$here/extract_frames.py" "$work/$name.pcap" "$port" "$out" "${opts[@]}" \
    | sed "s/^/$name\t/" | tee -a "$work/frames.tsv"
}

kc=(kcat -b "$bootstrap" -X client.id=kcat-golden)
# Values repeat enough that every codec shrinks the batch: librdkafka sends a batch uncompressed
# when compressing would make it larger.
printf '%s\n' \
  'alpha:the quick brown fox jumps over the lazy dog 0001' \
  'beta:the quick brown fox jumps over the lazy dog 0002' \
  'gamma:the quick brown fox jumps over the lazy dog 0003' >"$work/records.txt"

# The mock answers ApiVersions v3 (too new for it) in a hand-made layout that is not Kafka's (raw
# count byte, no tagged fields), so that response is not kept; librdkafka then retries with v0.
step list --responses apiversions,metadata --skip kcat-apiversions-v3.response.bin -- \
  timeout 30 "${kc[@]}" -L
for codec in none gzip snappy lz4 zstd; do
  step "produce-$codec" --tag "produce=$codec" --responses produce -- \
    timeout 30 "${kc[@]}" -P -t golden -p 0 -z "$codec" -K : -H source=weir-golden \
    -H "codec=$codec" -X linger.ms=100 -l "$work/records.txt"
done
step consume --responses fetch,listoffsets -- \
  timeout 30 "${kc[@]}" -C -t golden -p 0 -o beginning -e -K :
# The group consumer starts from the committed offsets (OffsetFetch; none yet, so
# auto.offset.reset applies), heartbeats and auto-commits every second, and is stopped with
# SIGINT so it also closes cleanly (final OffsetCommit, LeaveGroup).
step group --responses findcoordinator,joingroup,syncgroup,heartbeat,offsetcommit,offsetfetch,leavegroup -- \
  timeout -s INT 12 "${kc[@]}" -G golden-group -X auto.offset.reset=earliest \
  -X heartbeat.interval.ms=1000 -X auto.commit.interval.ms=1000 -K : golden || true

# Independent decode of exactly the frames written above.
: >"$work/decode.txt"
while IFS=$'\t' read -r name file number api ver corr; do
  {
    echo "######## $file (tshark frame $number of $name.pcap)"
    tshark -r "$work/$name.pcap" -d "tcp.port==$port,kafka" -Y "frame.number==$number" -O kafka 2>/dev/null \
      | sed -n '/^Kafka/,$p'
    echo
  } >>"$work/decode.txt"
done <"$work/frames.tsv"
if [ -s "$work/frames.tsv" ]; then
  decoded="$out/tshark-decode.txt"
  [ -e "$decoded" ] && decoded="$out/tshark-decode.new.txt"
  cp "$work/decode.txt" "$decoded"
  echo "== wrote $(wc -l <"$work/frames.tsv") frames; tshark decode in $decoded"
else
  echo "== no new frames (all already present in $out)"
fi

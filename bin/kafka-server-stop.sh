#!/usr/bin/env bash
# Kafka's kafka-server-stop.sh: sends SIGTERM ($SIGNAL) to the running brokers and returns; prints
# "No kafka server to stop" and exits 1 when there are none. Kafka's greps `ps` for kafka.Kafka; this
# finds the `weir start` processes of this install (their command line runs this install's weir.dll,
# or $WEIR_DLL's), so brokers of other checkouts on the machine are left alone.
# --node-id=N / --process-role=ROLE (as Kafka's) stop only the brokers whose config says so.
set -uo pipefail
base_dir="$(cd "$(dirname "$0")/.." && pwd)"
SIGNAL="${SIGNAL:-TERM}"
node_id=""
role=""
for arg in "$@"; do
  case "$arg" in
    --node-id=*) node_id="${arg#--node-id=}" ;;
    --process-role=*) role="${arg#--process-role=}" ;;
    *) echo "Usage: $0 [--node-id=N | --process-role=broker|controller]" >&2; exit 1 ;;
  esac
done
export WEIR_STOP_MATCH=" ${WEIR_DLL:-$base_dir/.artifacts/weir/weir.dll} start"

# A config value of the broker with this pid: --override wins over the file, as in `weir start`.
setting() {
  local pid="$1" name="$2" default="$3" file="" value="" prev="" a
  local -a args
  mapfile -d '' -t args < "/proc/$pid/cmdline" 2>/dev/null || return 1
  local seen_start=0
  for a in "${args[@]}"; do
    if [ "$seen_start" = 1 ] && [ -z "$file" ] && [ "$prev" != "--override" ] && [ "${a#-}" = "$a" ]; then file="$a"; fi
    if [ "$a" = "start" ]; then seen_start=1; fi
    if [ "$prev" = "--override" ] && [ "${a%%=*}" = "$name" ]; then value="${a#*=}"; fi
    prev="$a"
  done
  if [ -z "$value" ] && [ -n "$file" ]; then
    case "$file" in /*) ;; *) file="/proc/$pid/cwd/$file" ;; esac
    value="$(sed -n "s/^[[:space:]]*${name//./\\.}[[:space:]]*[=:][[:space:]]*//p" "$file" 2>/dev/null | tail -n 1 | tr -d '[:space:]')"
  fi
  echo "${value:-$default}"
}

PIDS=""
for pid in $(ps -eo pid=,args= | awk 'index($0 " ", ENVIRON["WEIR_STOP_MATCH"] " ") { print $1 }'); do
  if [ -n "$node_id" ]; then
    id="$(setting "$pid" node.id "")"
    [ -n "$id" ] || id="$(setting "$pid" broker.id 1)"
    [ "$id" = "$node_id" ] || continue
  fi
  if [ -n "$role" ]; then
    roles="$(setting "$pid" process.roles broker,controller)"
    case ",$roles," in *",$role,"*) ;; *) continue ;; esac
  fi
  PIDS="$PIDS $pid"
done

if [ -z "$PIDS" ]; then
  echo "No kafka server to stop"
  exit 1
fi
# shellcheck disable=SC2086
kill -s "$SIGNAL" $PIDS

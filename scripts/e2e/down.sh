#!/usr/bin/env bash
# Stop the cluster started by scripts/e2e/up.sh in $RUN (default <repo>/.cache/e2e/run).
#
# Only the PIDs recorded in $RUN/pids/* are signalled (TERM, up to 10 s, then KILL), and only
# while /proc shows them running with this RUN dir on their command line (no recycled PIDs).
# A server that outlives KILL keeps its pid file and makes down.sh exit 1.
#   --wipe   also delete $RUN (etcd data, certs, logs, kubeconfig, helm homes)
# Safe to call twice, or when nothing is running.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lib/common.sh
. "$ROOT/scripts/lib/common.sh"
SAFEDIFF_CACHE=${SAFEDIFF_CACHE:-$ROOT/.cache/e2e}
RUN=${RUN:-$SAFEDIFF_CACHE/run}
WIPE=0
case "${1:-}" in
  --wipe) WIPE=1 ;;
  "") ;;
  *) echo "usage: $0 [--wipe]" >&2; exit 2 ;;
esac

[ -d "$RUN" ] || exit 0
RUN=$(cd "$RUN" && pwd)

is_ours() {
  kill -0 "$1" 2>/dev/null || return 1
  [ -r "/proc/$1/cmdline" ] || return 0
  file_contains "/proc/$1/cmdline" "$RUN/"
}

# runs <pid>: the process exists and is not a zombie (an exited server waits, as a zombie, for
# init to reap it; it no longer holds its ports).
runs() {
  local stat
  kill -0 "$1" 2>/dev/null || return 1
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# wait_gone <pid> <tenths of a second>
wait_gone() {
  local _
  for _ in $(seq 1 "$2"); do runs "$1" || return 0; sleep 0.1; done
  ! runs "$1"
}

stop() { # stop <pid-file>: TERM, wait up to 10 s, then KILL
  local f=$1 name pid
  name=$(basename "$f")
  pid=$(cat "$f" 2>/dev/null || true)
  case "$pid" in '' | *[!0-9]*) rm -f "$f"; return 0 ;; esac
  if is_ours "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_gone "$pid" 100; then
      echo "down: $name (pid $pid) ignored TERM for 10s, sending KILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      if ! wait_gone "$pid" 50; then
        echo "down: $name (pid $pid) still runs 5s after KILL; kept $f" >&2
        return 1
      fi
    fi
    echo "down: stopped $name (pid $pid)" >&2
  fi
  rm -f "$f"
}

# One after the other, API server first: an API server whose etcd is going away at the same
# time hangs in its shutdown until it is killed.
rc=0
for n in kube-apiserver etcd; do
  if [ -f "$RUN/pids/$n" ]; then stop "$RUN/pids/$n" || rc=1; fi
done
for f in "$RUN"/pids/*; do
  if [ -f "$f" ]; then stop "$f" || rc=1; fi
done
[ "$rc" = 0 ] || exit 1

if [ "$WIPE" = 1 ]; then
  case "$RUN" in
    / | "$HOME" | "$ROOT" | "$SAFEDIFF_CACHE") echo "down: refusing to wipe $RUN" >&2; exit 1 ;;
  esac
  rm -rf "$RUN"
  echo "down: removed $RUN" >&2
fi
exit 0

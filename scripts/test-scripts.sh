#!/usr/bin/env bash
# Tests of the repository's own shell scripts (run by `make test`):
#
# 1. No pipeline into a reader that may stop early (head, grep -q/-m, sed q, awk exit): under `set -o pipefail`
#    the writer then dies of SIGPIPE (exit 141) whenever the reader wins the race, which failed
#    cold builds at random.
# 2. The toolchain's post-build sanity check (build-tools.sh --sanity-check) passes under
#    pipefail every time, RUNS times, against stand-in binaries that print far more than a pipe
#    buffer holds, so that a pipe into head would lose the race nearly every time.
# 3. The control: the pattern the check replaced (`etcd --version | head -n1`) does fail with
#    141 against the same stand-ins, so test 2 is able to catch the bug it guards against.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-50}
fail=0
log() { echo "test-scripts: $*" >&2; }

# ---- 1: static audit ---------------------------------------------------------------------
# (this file is left out: its control, below, runs the bad pattern on purpose)
scripts=$(cd "$ROOT" && find scripts .ci -type f \( -name '*.sh' -o -name run \) ! -name test-scripts.sh | sort)
# readers that stop early: head, grep -q/-m, sed with a q command, awk with exit
early='\|[[:space:]]*(head|grep[[:space:]]+(-[a-zA-Z]*[qm]|--quiet|--max-count))([[:space:]]|$)'
early+='|\|[[:space:]]*sed[[:space:]][^|]*[0-9/;{[:space:]]q([[:space:];}'"'"'"]|$)'
early+='|\|[[:space:]]*awk[[:space:]][^|]*[{;[:space:]]exit([[:space:];}]|$)'
bad=$(cd "$ROOT" && grep -nE "$early" $scripts Makefile || true)
if [ -n "$bad" ]; then
  log "FAIL: pipelines into a reader that may stop early (SIGPIPE under pipefail):"
  echo "$bad" >&2
  fail=1
else
  log "ok: no pipeline into a reader that stops early (head, grep -q/-m, sed q, awk exit) in $(echo "$scripts" | wc -w) scripts and the Makefile"
fi

# ---- stand-in binaries --------------------------------------------------------------------
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/cache/bin"
for b in helm helm4 helm-diff kube-apiserver etcd; do
  # a version line, then ~1 MB more: far beyond a 64 KiB pipe buffer
  cat >"$tmp/cache/bin/$b" <<STUB
#!/usr/bin/env bash
echo "$b v0.0.0-test"
yes "$b: more output than a pipe buffer holds" | dd bs=65536 count=16 iflag=fullblock 2>/dev/null
STUB
  chmod +x "$tmp/cache/bin/$b"
done

# ---- 2: the sanity check under pipefail, many times --------------------------------------
for i in $(seq 1 "$RUNS"); do
  if ! out=$(SAFEDIFF_CACHE="$tmp/cache" bash -o pipefail "$ROOT/scripts/e2e/build-tools.sh" --sanity-check 2>&1); then
    log "FAIL: build-tools.sh --sanity-check failed on run $i:"
    echo "$out" | tail -n 5 >&2
    fail=1
    break
  fi
  if [ "$out" != "$(printf '%s v0.0.0-test\n' helm helm4 helm-diff kube-apiserver etcd)" ]; then
    log "FAIL: unexpected sanity-check output on run $i:"
    echo "$out" >&2
    fail=1
    break
  fi
done
[ "$fail" = 1 ] || log "ok: build-tools.sh --sanity-check passed $RUNS times under pipefail"

# ---- 3: the control ------------------------------------------------------------------------
sigpipes=0
for i in $(seq 1 "$RUNS"); do
  rc=0
  bash -c 'set -o pipefail; "$1" --version 2>&1 | head -n1 >/dev/null' _ "$tmp/cache/bin/etcd" || rc=$?
  [ "$rc" = 141 ] && sigpipes=$((sigpipes + 1))
done
if [ "$sigpipes" = 0 ]; then
  log "FAIL: the control (etcd --version | head -n1 under pipefail) never died of SIGPIPE in $RUNS runs, so test 2 proves nothing"
  fail=1
else
  log "ok: control: the old pattern died of SIGPIPE in $sigpipes of $RUNS runs"
fi

# ---- 4: with_heartbeat prints while a command runs and returns its status -------------------
# shellcheck source=lib/common.sh
. "$ROOT/scripts/lib/common.sh"
# The command waits (up to 60 s) until two progress lines have been printed, so that a loaded
# machine makes the test slower, never wrong: without the heartbeat it times out with n < 2.
hbfile=$(mktemp)
HEARTBEAT=0.2 with_heartbeat "hb-test" bash -c '
  for _ in $(seq 600); do
    [ "$(grep -c "hb-test: still running" "$1" || true)" -ge 2 ] && exit 0
    sleep 0.1
  done' _ "$hbfile" 2>"$hbfile" >/dev/null || true
n=0
while IFS= read -r line; do case $line in "hb-test: still running"*) n=$((n + 1)) ;; esac; done <"$hbfile"
rm -f "$hbfile"
rc=0
HEARTBEAT=0.2 with_heartbeat "hb-test" bash -c 'exit 7' 2>/dev/null || rc=$?
if [ "$n" -lt 2 ] || [ "$rc" != 7 ]; then
  log "FAIL: with_heartbeat printed $n progress lines (want >= 2) and returned $rc (want 7)"
  fail=1
else
  log "ok: with_heartbeat printed $n progress lines while its command ran and returned the command's status"
fi

exit "$fail"

# Shared shell helpers for the repository's scripts. Source it; it defines functions only.
#
# Rule for every script here: no pipeline whose reader may stop before its writer is done
# (`cmd | head`, `cmd | grep -q`). Under `set -o pipefail` the writer then dies of SIGPIPE
# (exit 141) whenever the reader wins the race, which fails a build at random.
# scripts/test-scripts.sh checks this rule and runs the helpers below many times.

# now: the current time in seconds (fractional where bash has EPOCHREALTIME).
now() { echo "${EPOCHREALTIME:-$(date +%s)}"; }

# elapsed T0: seconds since T0, one decimal.
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# first_line CMD [ARG...]: run CMD, print the first line of its combined output, and return
# its exit status. The whole output is read first, so CMD is never cut off by a closed pipe.
first_line() {
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  printf '%s\n' "${out%%$'\n'*}"
  return "$rc"
}

# file_contains FILE TEXT: whether FILE (NUL bytes read as spaces) contains TEXT.
# Reads the file into the shell: no pipeline, so nothing can die of SIGPIPE.
file_contains() {
  local content
  content=$(tr '\0' ' ' <"$1" 2>/dev/null) || return 1
  [[ $content == *"$2"* ]]
}

# with_heartbeat LABEL CMD [ARG...]: run CMD; while it runs, print "LABEL: still running (Ns)"
# to stderr every HEARTBEAT seconds (default 30), so long silent steps show they are alive.
# Returns CMD's exit status. The heartbeat and its sleep are ended when CMD ends.
with_heartbeat() {
  local label=$1 t0 hb rc=0
  shift
  t0=$(now)
  (
    trap 'kill "$sp" 2>/dev/null; exit 0' TERM
    while :; do
      sleep "${HEARTBEAT:-30}" &
      sp=$!
      wait "$sp"
      echo "$label: still running ($(elapsed "$t0")s)" >&2
    done
  ) &
  hb=$!
  "$@" || rc=$?
  kill "$hb" 2>/dev/null || true
  wait "$hb" 2>/dev/null || true
  return "$rc"
}

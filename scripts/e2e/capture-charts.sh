#!/usr/bin/env bash
# Regenerates testdata/helm-diff/cli-anchors-*.txt and cli-hooks-*.txt: real
# helm-diff captures of testdata/charts/anchors, a chart written with YAML
# anchors, aliases, merge keys and flow style, and of testdata/charts/hooks, a
# chart of helm hooks. It starts a throw-away control plane (scripts/e2e/up.sh,
# in a private RUN dir), installs each chart with its values.yaml, diffs the
# upgrade to values-v2.yaml (anchors: in every output format helm-diff 3.13.2
# has; hooks: in full context and --context 3, tests included), and stops the
# servers by PID (scripts/e2e/down.sh --wipe).
#
# Each capture holds stdout and stderr of the command, as printed (2>&1); the
# command is in testdata/helm-diff/README.md. Needs the toolchain of
# scripts/e2e/build-tools.sh ($SAFEDIFF_CACHE, default .cache/e2e).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SAFEDIFF_CACHE=${SAFEDIFF_CACHE:-$ROOT/.cache/e2e}
export SAFEDIFF_CACHE
# shellcheck source=/dev/null
. "$SAFEDIFF_CACHE/tools.env"

RUN=$(mktemp -d "${TMPDIR:-/tmp}/safediff-capture.XXXXXX")
export RUN
cleanup() { bash "$ROOT/scripts/e2e/down.sh" --wipe || true; }
trap cleanup EXIT

bash "$ROOT/scripts/e2e/up.sh" >/dev/null
# shellcheck source=/dev/null
. "$RUN/env"
helm=$SAFEDIFF_E2E_HELM
"$helm" plugin install "$SAFEDIFF_E2E_HELM_DIFF_PLUGIN" >/dev/null

chart=$ROOT/testdata/charts/anchors
out=$ROOT/testdata/helm-diff
cd "$ROOT/testdata/charts"
"$helm" install anchors ./anchors --namespace default >/dev/null

capture() { # capture NAME ARGS...: the upgrade diff with extra ARGS
	local name=$1
	shift
	local rc=0
	"$helm" diff upgrade anchors ./anchors --namespace default -f "$chart/values-v2.yaml" --no-color "$@" >"$out/cli-anchors-$name.txt" 2>&1 || rc=$?
	echo "cli-anchors-$name.txt: exit $rc"
}
capture diff
capture context3 --context 3
capture simple --output simple
capture json --output json
capture detailed-exitcode --detailed-exitcode

# the hooks chart is installed without running its hooks (a Job hook would
# wait for a controller the control plane does not have); the release keeps
# them, and helm diff compares with them
"$helm" install hooks ./hooks --namespace default --no-hooks >/dev/null
hooks() { # hooks NAME ARGS...: the upgrade diff with extra ARGS
	local name=$1
	shift
	local rc=0
	"$helm" diff upgrade hooks ./hooks --namespace default -f "$ROOT/testdata/charts/hooks/values-v2.yaml" --no-color --include-tests "$@" >"$out/cli-hooks-$name.txt" 2>&1 || rc=$?
	echo "cli-hooks-$name.txt: exit $rc"
}
hooks diff
hooks context3 --context 3

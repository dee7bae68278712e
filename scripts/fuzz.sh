#!/usr/bin/env bash
# Runs every fuzz target of the module with the budget $FUZZTIME each
# (go test -fuzztime: a count like 30000x, the default, or a duration).
# Crashers are written by the Go toolchain to testdata/fuzz/<Target>/ of the
# package: keep them, they become regression tests.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-30000x}
status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
while IFS= read -r file; do
	pkg=./$(dirname "$file")
	for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)\(f \*testing\.F\)' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]+).*/\1/'); do
		echo "fuzz: $pkg $target ($FUZZTIME)"
		if ! go test "$pkg" -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" >"$log" 2>&1; then
			cat "$log"
			status=1
		else
			tail -n 1 "$log" | sed 's/^/  /'
		fi
	done
done < <(grep -rl --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' pkg internal | sort)
exit $status

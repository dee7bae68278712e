#!/usr/bin/env bash
# Measures review throughput and memory on a generated release of changed
# Deployments (full-context helm-diff output, see internal/benchgen):
#
#   1. the Go benchmarks of pkg/review (parse, classify, JSON, end to end,
#      peak heap), -count times;
#   2. the real CLI, `safediff review -o json FILE`, under /usr/bin/time -v:
#      wall time, MB/s and maximum resident set size, beside the time
#      helm-diff's own library (tools/helm-diff/cmd/diffbench) takes to
#      produce the same diff from the same manifests;
#
#   3. memory-stress inputs, each through the CLI under /usr/bin/time -v:
#      50 MB of blank lines in one object, a list of 100,000 added items,
#      40,000 elisions, a 200 MB --output json stream, and a 1 GiB stream
#      (over the 512 MiB input limit: exit 1 without buffering it): wall
#      and CPU time, maximum resident set size against the bound
#      3x the input + 40 MB, and the exit code;
#
# and prints a summary against the targets (>= 50 MB/s end to end, peak
# memory under 3x the input). It measures; it does not fail on a missed
# target.
#
# Environment:
#   BENCH_COUNT    -count of go test -bench (default 5)
#   BENCH_OBJECTS  Deployments in the CLI's input (default 2000; the Go
#                  benchmarks always use 2000)
#   BENCH_RUNS     runs of the CLI; the median wall time is reported
#                  (default 5)
#   BENCH_STRESS   0 skips the memory-stress inputs (default 1)
set -euo pipefail

cd "$(dirname "$0")/.."

count=${BENCH_COUNT:-5}
objects=${BENCH_OBJECTS:-2000}
runs=${BENCH_RUNS:-5}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/safediff-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "== go test -bench (count $count)"
go test -run='^$' -bench=. -benchmem -count="$count" ./pkg/review/ | tee "$tmp/bench.txt"
echo

echo "== safediff review -o json, $objects Deployments"
go run ./internal/benchgen/cmd/gen -n "$objects" >"$tmp/release.diff"
go build -o "$tmp/safediff" ./cmd/safediff
size=$(wc -c <"$tmp/release.diff")
printf 'input: %d bytes (%.2f MB)\n' "$size" "$(awk -v b="$size" 'BEGIN { print b / 1048576 }')"

cli=""
if [ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1; then
	: >"$tmp/cli.txt"
	for i in $(seq "$runs"); do
		set +e
		/usr/bin/time -v -o "$tmp/time.txt" "$tmp/safediff" review -o json "$tmp/release.diff" >/dev/null 2>"$tmp/stderr.txt"
		rc=$?
		set -e
		# exit 2 is a tripped gate: a verdict, not a failure
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
			echo "safediff review failed (exit $rc):" >&2
			cat "$tmp/stderr.txt" >&2
			exit 1
		fi
		awk -v rc="$rc" '
			/Elapsed \(wall clock\) time/ {
				n = split($NF, p, ":")
				s = 0
				for (i = 1; i <= n; i++) s = s * 60 + p[i]
			}
			/Maximum resident set size/ { rss = $NF }
			END { printf "%.3f %d %d\n", s, rss, rc }
		' "$tmp/time.txt" >>"$tmp/cli.txt"
	done
	# median wall time, highest RSS
	cli=$(sort -n "$tmp/cli.txt" | awk -v size="$size" '
		{ wall[NR] = $1; if ($2 > rss) rss = $2; rc = $3 }
		END {
			w = (NR % 2) ? wall[(NR + 1) / 2] : (wall[NR / 2] + wall[NR / 2 + 1]) / 2
			mbs = (w > 0) ? size / 1048576 / w : 0
			bmbs = (wall[1] > 0) ? size / 1048576 / wall[1] : 0
			printf "%.3f %.1f %.1f %.1f %.2f %d %d\n", w, mbs, bmbs, rss / 1024, rss * 1024 / size, rc, NR
		}')
	read -r wall mbs bestmbs rssmb rssratio rc n <<<"$cli"
	echo "runs: $n, median wall time ${wall}s, ${mbs} MB/s (best ${bestmbs} MB/s), max RSS ${rssmb} MB (${rssratio}x the input), exit $rc"
else
	echo "/usr/bin/time -v is not available: skipping the CLI measurement"
fi
echo

echo "== helm-diff's own library producing the same diff (tools/helm-diff/cmd/diffbench)"
ratio=""
if (cd tools/helm-diff && go build -o "$tmp/diffbench" ./cmd/diffbench) 2>"$tmp/build.txt"; then
	hd=$("$tmp/diffbench" -runs "$runs" "$tmp/release.diff")
	read -r hdwall hdsize <<<"$hd"
	echo "helm-diff 3.13.2 library: median ${hdwall}s (manifest.Parse of both sides and diff.Manifests, full context; ${hdsize} bytes of diff)"
	if [ -n "$cli" ]; then
		ratio=$(awk -v a="$wall" -v b="$hdwall" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
		echo "safediff review -o json (whole process): ${wall}s = ${ratio}x helm-diff's time (target <= 0.3x)"
	fi
else
	echo "cannot build tools/helm-diff/cmd/diffbench (the Go module proxy or its build cache is needed): skipping"
	sed 's/^/  /' "$tmp/build.txt"
fi
echo

stress=""
if [ "${BENCH_STRESS:-1}" != 0 ] && [ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1; then
	echo "== memory-stress inputs"
	# each generator writes the input on stdout; no pipeline has a reader
	# that stops early (see scripts/lib/common.sh)
	gen_blank() { printf 'default, cfg, ConfigMap (v1) has changed:\n  data:\n-   a: x\n+   a: y\n'; head -c 52428800 /dev/zero | tr '\0' '\n'; }
	gen_list() {
		printf 'default, web, Deployment (apps) has changed:\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n  spec:\n    template:\n      spec:\n        containers:\n          - name: web\n            env:\n'
		seq 0 99999 | sed 's/.*/+             - name: V&\n+               value: "&"/'
	}
	gen_elisions() {
		printf 'default, web, Deployment (apps) has changed:\n'
		seq 0 39999 | sed 's/.*/...\n            - name: c&\n-             image: a:&\n+             image: b:&/'
		printf '...\n'
	}
	gen_json() {
		printf '[\n'
		seq 0 1199999 | sed 's/.*/{"api": "v1", "kind": "ConfigMap", "namespace": "default", "name": "cm-&", "change": "MODIFY"},/'
		printf '{"api": "v1", "kind": "ConfigMap", "namespace": "default", "name": "last", "change": "MODIFY"}]\n'
	}
	gen_huge() { head -c 1073741824 /dev/zero | tr '\0' '\n'; }
	: >"$tmp/stress.txt"
	for name in blank list elisions json huge; do
		input="$tmp/$name.diff"
		if [ "$name" = huge ]; then
			# not written to disk: read from a pipe, as helm diff's output is
			size=1073741824
			set +e
			/usr/bin/time -v -o "$tmp/time.txt" "$tmp/safediff" review -o json <(gen_huge) >/dev/null 2>"$tmp/stderr.txt"
			rc=$?
			set -e
		else
			"gen_$name" >"$input"
			size=$(wc -c <"$input")
			set +e
			/usr/bin/time -v -o "$tmp/time.txt" "$tmp/safediff" review -o json "$input" >/dev/null 2>"$tmp/stderr.txt"
			rc=$?
			set -e
			rm -f "$input"
		fi
		awk -v name="$name" -v size="$size" -v rc="$rc" '
			/Elapsed \(wall clock\) time/ { n = split($NF, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i] }
			/User time/ { user = $NF }
			/System time/ { sys = $NF }
			/Maximum resident set size/ { rss = $NF }
			END {
				bound = 3 * size / 1048576 + 40
				printf "%-10s %9.1f %8.2f %8.2f %9.1f %9.1f %6s %5d\n", name, size / 1048576, s, user + sys, rss / 1024, bound, (rss / 1024 <= bound ? "ok" : "OVER"), rc
			}' "$tmp/time.txt" >>"$tmp/stress.txt"
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
			printf '  %s: exit %d: %s\n' "$name" "$rc" "$(tr '\n' ' ' <"$tmp/stderr.txt")"
		fi
	done
	stress=$(cat "$tmp/stress.txt")
	printf '%-10s %9s %8s %8s %9s %9s %6s %5s\n' input "input MB" "wall s" "CPU s" "RSS MB" "bound MB" "" exit
	echo "$stress"
	echo "(huge is over the 512 MiB input limit: exit 1, read as a stream and never buffered)"
	echo
fi

echo "== summary (medians of $count runs; best MB/s is the fastest run, a guide on a busy machine)"
awk '
	/^Benchmark/ {
		name = $1
		sub(/-[0-9]+$/, "", name)
		sub(/^Benchmark/, "", name)
		if (!(name in seen)) { seen[name] = 1; order[++nn] = name }
		for (i = 3; i + 1 <= NF; i += 2) {
			k = name SUBSEP $(i + 1)
			vals[k] = vals[k] " " $i
		}
	}
	function median(s,    a, n, i, j, t) {
		n = split(s, a, " ")
		if (n == 0) return ""
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function best(s,    a, n, i, m) {
		n = split(s, a, " ")
		m = a[1]
		for (i = 2; i <= n; i++) if (a[i] + 0 > m + 0) m = a[i]
		return m
	}
	END {
		printf "%-14s %10s %10s %10s %12s %12s %14s %11s\n", "benchmark", "MB/s", "best MB/s", "ms/op", "MB alloc/op", "allocs/op", "peak heap MB", "peak/input"
		for (o = 1; o <= nn; o++) {
			n = order[o]
			ns = median(vals[n SUBSEP "ns/op"])
			bop = median(vals[n SUBSEP "B/op"])
			peak = median(vals[n SUBSEP "peak-heap-MB"])
			ratio = median(vals[n SUBSEP "peak/input"])
			printf "%-14s %10s %10s %10.1f %12.1f %12d %14s %11s\n", n, median(vals[n SUBSEP "MB/s"]), best(vals[n SUBSEP "MB/s"]), ns / 1e6, bop / 1048576, median(vals[n SUBSEP "allocs/op"]), (peak == "" ? "-" : sprintf("%.1f", peak)), (ratio == "" ? "-" : sprintf("%.2f", ratio))
		}
	}
' "$tmp/bench.txt"
if [ -n "$cli" ]; then
	printf '%-14s %10s %10s %10.1f %12s %12s %14s %11s\n' "CLI (RSS)" "$mbs" "$bestmbs" "$(awk -v w="$wall" 'BEGIN { print w * 1000 }')" "-" "-" "$rssmb" "$rssratio"
fi
echo
echo "targets: >= 50 MB/s end to end (Review2000, CLI); peak memory < 3x the input"

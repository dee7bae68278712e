#!/usr/bin/env bash
# Measures safediff's review beside helm-diff's own library producing the
# same diff, on generated releases of changed Deployments (full-context
# helm-diff output, see internal/benchgen). It measures; it never fails on
# a missed target, and it is not part of make test.
#
#   1. start-up: `safediff review` of a one-object diff, `safediff
#      version` and /bin/true, each run BENCH_STARTUP times in a row, three
#      rounds interleaved: the median wall time (internal/benchgen/cmd/wall);
#   2. whole process, side by side: for each size of BENCH_SIZES (200,
#      2,000 and 20,000 objects), `safediff review -o json FILE` (median
#      wall time, MB/s, highest maximum resident set size against the bound
#      2x the input + 20 MB) and the time helm-diff's own library
#      (tools/helm-diff/cmd/diffbench) takes to produce the same diff from
#      the same manifests, runs interleaved;
#   3. in process: the Go benchmarks of pkg/review (parse, classify, JSON,
#      end to end, peak heap) at GOMAXPROCS=1 and at all cores, -count
#      times, with the parallel speed-up;
#   4. memory-stress inputs, each through the CLI under /usr/bin/time -v:
#      50 MB of blank lines in one object, a list of 100,000 added items,
#      40,000 elisions, 100,000 changed keys of one mapping, 20,000 list
#      items read by the exact reader, 40,000 elisions before keys no
#      schema knows, a 200 MB --output json stream, a helmfile stream of
#      40,000 releases, 20,000 objects that cannot be updated in place
#      (text report), and a 1 GiB stream
#      (over the 512 MiB input limit: exit 1 without buffering it): wall
#      and CPU time, maximum resident set size against the bound
#      3x the input + 40 MB, and the exit code.
#
# The machine is often shared: the figures are medians, and the fastest
# run is shown beside them where it helps.
#
# Environment:
#   BENCH_COUNT    -count of go test -bench (default 5)
#   BENCH_SIZES    objects of the whole-process releases (default
#                  "200 2000 20000")
#   BENCH_RUNS     runs of each whole-process measurement (default 5)
#   BENCH_STARTUP  runs of each start-up command per round (default 41)
#   BENCH_STRESS   0 skips the memory-stress inputs (default 1)
set -euo pipefail

cd "$(dirname "$0")/.."

count=${BENCH_COUNT:-5}
sizes=${BENCH_SIZES:-200 2000 20000}
runs=${BENCH_RUNS:-5}
startup=${BENCH_STARTUP:-41}
cores=$(getconf _NPROCESSORS_ONLN)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/safediff-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# safediff as it ships (scripts/dist.sh): static, no cgo, stripped. A default
# `go build` links the system's dynamic loader in (the net package's cgo
# resolver), which alone adds about 0.6 ms to every start.
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/safediff" ./cmd/safediff
go build -o "$tmp/wall" ./internal/benchgen/cmd/wall
go build -o "$tmp/gen" ./internal/benchgen/cmd/gen
diffbench=""
if (cd tools/helm-diff && go build -o "$tmp/diffbench" ./cmd/diffbench) 2>"$tmp/build.txt"; then
	diffbench="$tmp/diffbench"
else
	echo "cannot build tools/helm-diff/cmd/diffbench (the Go module proxy or its build cache is needed): helm-diff is left out"
	sed 's/^/  /' "$tmp/build.txt"
fi
echo "machine: $cores cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
echo

# median of the numbers on standard input
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "== start-up: median wall time of $startup runs, 3 rounds interleaved"
"$tmp/gen" -n 1 >"$tmp/one.diff"
: >"$tmp/startup.txt"
for round in 1 2 3; do
	for cmd in review version true; do
		case $cmd in
		review) set -- "$tmp/safediff" review "$tmp/one.diff" ;;
		version) set -- "$tmp/safediff" version ;;
		true) set -- /bin/true ;;
		esac
		read -r med best _ _ < <("$tmp/wall" -runs "$startup" -- "$@")
		echo "$cmd $med $best" >>"$tmp/startup.txt"
	done
done
for cmd in review version true; do
	med=$(awk -v c="$cmd" '$1 == c { print $2 }' "$tmp/startup.txt" | median)
	best=$(awk -v c="$cmd" '$1 == c { print $3 }' "$tmp/startup.txt" | sort -g | awk 'NR == 1')
	case $cmd in
	review) what="safediff review, one object" ;;
	version) what="safediff version" ;;
	true) what="/bin/true (the cost of a process)" ;;
	esac
	printf '%-36s median %6.2f ms   fastest %6.2f ms\n' "$what" "$(awk -v s="$med" 'BEGIN { print s * 1000 }')" "$(awk -v s="$best" 'BEGIN { print s * 1000 }')"
done
echo "(target: review of one object <= 5 ms)"
echo

echo "== whole process: safediff review -o json beside helm-diff's library producing the same diff ($runs runs each, interleaved)"
printf '%8s %9s %10s %8s %9s %9s %9s %7s %12s %9s\n' objects "input MB" "safediff s" "MB/s" "RSS MB" "bound MB" "RSS/in" "" "helm-diff s" "ratio"
for n in $sizes; do
	"$tmp/gen" -n "$n" >"$tmp/release.diff"
	size=$(wc -c <"$tmp/release.diff")
	: >"$tmp/sd.txt"
	: >"$tmp/hd.txt"
	for i in $(seq "$runs"); do
		"$tmp/wall" -runs 1 -- "$tmp/safediff" review -o json "$tmp/release.diff" >>"$tmp/sd.txt"
		if [ -n "$diffbench" ]; then
			"$diffbench" -runs 1 "$tmp/release.diff" >>"$tmp/hd.txt"
		fi
	done
	wall=$(awk '{ print $1 }' "$tmp/sd.txt" | median)
	rss=$(awk '{ if ($3 > m) m = $3 } END { print m }' "$tmp/sd.txt")
	hd="-"
	ratio="-"
	if [ -n "$diffbench" ]; then
		hd=$(awk '{ print $1 }' "$tmp/hd.txt" | median)
		ratio=$(awk -v a="$wall" -v b="$hd" 'BEGIN { if (b > 0) printf "%.3fx", a / b; else print "-" }')
	fi
	awk -v n="$n" -v size="$size" -v wall="$wall" -v rss="$rss" -v hd="$hd" -v ratio="$ratio" 'BEGIN {
		mb = size / 1048576
		bound = 2 * mb + 20
		printf "%8d %9.2f %10.3f %8.1f %9.1f %9.1f %9.2f %7s %12s %9s\n", n, mb, wall, (wall > 0 ? mb / wall : 0), rss / 1024, bound, rss / 1024 / mb, (rss / 1024 <= bound ? "ok" : "OVER"), hd, ratio
	}'
done
rm -f "$tmp/release.diff"
echo "(helm-diff s: manifest.Parse of both sides and diff.Manifests with full context, helm-diff 3.13.2; ratio: safediff's time / helm-diff's; target <= 0.3x)"
echo

echo "== in process: go test -bench, GOMAXPROCS=1 and $cores (count $count)"
go test -run='^$' -bench=. -benchmem -cpu "1,$cores" -count="$count" ./pkg/review/ >"$tmp/bench.txt"
grep -E '^(Benchmark|ok|FAIL)' "$tmp/bench.txt" || true
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
	# 100,000 items added to a keyed list that has one: each a container
	# the server-side checks once looked for among those already seen
	gen_added() {
		printf 'default, web, Deployment (apps) has changed:\n  spec:\n    template:\n      spec:\n        containers:\n          - name: web\n            env:\n              - name: A\n                value: a\n'
		seq 0 99999 | sed 's/.*/+             - name: V&\n+               value: "&"/'
	}
	# 100,000 changed keys of one mapping: each looked up among its
	# siblings took time quadratic in their number
	gen_keys() {
		printf 'default, cfg, ConfigMap (v1) has changed:\n  data:\n'
		seq 0 99999 | sed 's/.*/-   k&: a\n+   k&: b/'
	}
	# 20,000 list items whose values the fast reader leaves to the exact
	# one (a double-quoted scalar continued on the next line)
	gen_exact() {
		printf 'default, web, Deployment (apps) has changed:\n  spec:\n    template:\n      spec:\n        containers:\n          - name: web\n            env:\n'
		seq 0 19999 | sed 's/.*/              - name: V&\n-               value: "a&\n-                 x"\n+               value: "b&\n+                 x"/'
	}
	# 40,000 elisions, each before a key no schema knows
	gen_unknown() {
		printf 'default, web, Deployment (apps) has changed:\n'
		seq 0 39999 | sed 's/.*/...\n                  k&:\n-                   x: 1\n+                   x: 2/'
		printf '...\n'
	}
	gen_huge() { head -c 1073741824 /dev/zero | tr '\0' '\n'; }
	# 40,000 releases of a helmfile stream, one changed ConfigMap each: the
	# reports once looked each release's objects up among all
	gen_releases() {
		seq 0 39999 | sed 's/.*/Comparing release=r&, chart=.\/c, namespace=default\ndefault, c&, ConfigMap (v1) has changed:\n  data:\n-   a: x\n+   a: y\n/'
	}
	# 20,000 ConfigMaps that cannot be updated in place (immutable), in
	# the text report, which says what helm applies around each
	gen_replaced() {
		seq 0 19999 | sed 's/.*/default, c&, ConfigMap (v1) has changed:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c&\n- immutable: true\n+ immutable: false\n  data:\n-   a: x\n+   a: y/'
	}
	: >"$tmp/stress.txt"
	for name in blank list added elisions keys exact unknown json releases replaced huge; do
		format=json
		[ "$name" = replaced ] && format=text
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
			/usr/bin/time -v -o "$tmp/time.txt" "$tmp/safediff" review -o "$format" "$input" >/dev/null 2>"$tmp/stderr.txt"
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

echo "== summary of the Go benchmarks (medians of $count runs; best MB/s is the fastest run)"
awk -v cores="$cores" '
	/^Benchmark/ {
		name = $1
		procs = 1
		if (match(name, /-[0-9]+$/)) { procs = substr(name, RSTART + 1); name = substr(name, 1, RSTART - 1) }
		sub(/^Benchmark/, "", name)
		name = name " P=" procs
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
		printf "%-20s %10s %10s %10s %12s %12s %14s %11s\n", "benchmark", "MB/s", "best MB/s", "ms/op", "MB alloc/op", "allocs/op", "peak heap MB", "peak/input"
		for (o = 1; o <= nn; o++) {
			n = order[o]
			ns = median(vals[n SUBSEP "ns/op"])
			bop = median(vals[n SUBSEP "B/op"])
			peak = median(vals[n SUBSEP "peak-heap-MB"])
			ratio = median(vals[n SUBSEP "peak/input"])
			printf "%-20s %10s %10s %10.1f %12.1f %12d %14s %11s\n", n, median(vals[n SUBSEP "MB/s"]), best(vals[n SUBSEP "MB/s"]), ns / 1e6, bop / 1048576, median(vals[n SUBSEP "allocs/op"]), (peak == "" ? "-" : sprintf("%.1f", peak)), (ratio == "" ? "-" : sprintf("%.2f", ratio))
		}
		one = median(vals["Review2000 P=1" SUBSEP "ns/op"])
		all = median(vals["Review2000 P=" cores SUBSEP "ns/op"])
		if (one > 0 && all > 0 && cores > 1)
			printf "\nReview2000 at GOMAXPROCS=%d: %.2fx the speed at GOMAXPROCS=1 (target >= 1.7x on 2 cores)\n", cores, one / all
	}
' "$tmp/bench.txt"

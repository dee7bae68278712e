#!/usr/bin/env bash
# Regenerates testdata/helm-diff/cli-chart-*.txt: real helm-diff captures of
# third-party charts as their users upgrade them. The charts come from the Go
# module proxy, in the modules of the projects that publish them (the proxy
# is the one registry a CI machine reaches): gatekeeper 3.21.0 -> 3.23.1 (a
# chart bump, with hooks), vault-helm 0.34.1 (a StatefulSet of OnDelete
# pods and volume claim templates) and ingress-nginx (its chart at the
# module's one version), metrics-server 3.12.1 -> 3.12.2 in helm-diff's
# json format (which drops objects it cannot key), bitnami's postgresql,
# redis and redis-cluster, and prometheus-community's prometheus, alertmanager and
# kube-prometheus-stack. It starts a throw-away control plane
# (scripts/e2e/up.sh, in a private RUN dir), installs each chart (without
# running its hooks: a Job hook would wait for a controller), diffs the
# upgrades in full context and with --context 3, and stops the servers by
# PID (scripts/e2e/down.sh --wipe).
#
# Each capture holds stdout and stderr of the command, as printed (2>&1); the
# commands are in testdata/helm-diff/README.md. Needs the toolchain of
# scripts/e2e/build-tools.sh ($SAFEDIFF_CACHE, default .cache/e2e) and go.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SAFEDIFF_CACHE=${SAFEDIFF_CACHE:-$ROOT/.cache/e2e}
export SAFEDIFF_CACHE
# shellcheck source=/dev/null
. "$SAFEDIFF_CACHE/tools.env"

work=$(mktemp -d "${TMPDIR:-/tmp}/safediff-capture.XXXXXX")
RUN=$work/run
export RUN
cleanup() {
	bash "$ROOT/scripts/e2e/down.sh" --wipe || true
	rm -rf "$work"
}
trap cleanup EXIT

# chart MODULE@VERSION DIR NAME: copies the chart in DIR of a Go module
# (downloaded into the module cache) to $work/NAME. A module that asks for
# a newer go than the one here is downloaded but not extracted: its zip is
# unpacked instead (with unzip).
chart() {
	local dir json zip
	json=$(cd "$work" && go mod download -json "$1" || true)
	dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")
	zip=$(sed -n 's/^[[:space:]]*"Zip": "\(.*\)",$/\1/p' <<<"$json")
	if [ -z "$dir" ] && [ -n "$zip" ]; then
		dir=$work/modules/$1
		mkdir -p "$work/modules"
		unzip -q -o "$zip" -d "$work/modules"
	fi
	[ -d "$dir" ] || { echo "capture: $1 cannot be downloaded" >&2; exit 1; }
	mkdir -p "$(dirname "$work/$3")"
	cp -R "$dir/$2" "$work/$3"
	chmod -R u+w "$work/$3"
}
chart github.com/open-policy-agent/gatekeeper/v3@v3.21.0 charts/gatekeeper gatekeeper-3.21.0
chart github.com/open-policy-agent/gatekeeper/v3@v3.23.1 charts/gatekeeper gatekeeper-3.23.1
chart github.com/hashicorp/vault-helm@v0.34.1 . vault
chart github.com/aws/karpenter-provider-aws@v1.14.4 charts/karpenter karpenter-1.14.4
chart github.com/aws/karpenter-provider-aws@v1.15.3 charts/karpenter karpenter-1.15.3
chart github.com/aws/karpenter-provider-aws@v1.14.4 charts/karpenter-crd karpenter-crd-1.14.4
chart github.com/aws/karpenter-provider-aws@v1.15.3 charts/karpenter-crd karpenter-crd-1.15.3
chart k8s.io/ingress-nginx@v0.0.0-20240708192948-52c50467d67d charts/ingress-nginx ingress-nginx
chart sigs.k8s.io/metrics-server@v0.7.2 charts/metrics-server metrics-server-3.12.1
chart sigs.k8s.io/metrics-server@v0.8.0 charts/metrics-server metrics-server-3.12.2
bitnami=github.com/bitnami/charts@v0.0.0-20260907150927-c0703daaf78e
chart $bitnami bitnami/postgresql postgresql
chart $bitnami bitnami/redis redis
chart $bitnami bitnami/common postgresql/charts/common
chart $bitnami bitnami/common redis/charts/common
chart $bitnami bitnami/redis-cluster redis-cluster
chart $bitnami bitnami/common redis-cluster/charts/common
prometheus=github.com/prometheus-community/helm-charts@v0.0.0-20260828105119-ed5d7d9b5933
chart $prometheus charts/prometheus prometheus
chart $prometheus charts/alertmanager alertmanager
for dep in alertmanager kube-state-metrics prometheus-node-exporter prometheus-pushgateway; do
	chart $prometheus charts/$dep prometheus/charts/$dep
done
chart $prometheus charts/kube-prometheus-stack kube-prometheus-stack
for dep in kube-state-metrics prometheus-node-exporter prometheus-windows-exporter; do
	chart $prometheus charts/$dep kube-prometheus-stack/charts/$dep
done
# its grafana dependency comes from grafana-community's chart repository,
# which no Go module holds: left out (the captures set grafana.enabled=false)
awk '/^  - name: grafana$/ { skip = 1; next } skip && /^  - name:/ { skip = 0 } skip && /^    / { next } { skip = 0; print }' \
	"$work/kube-prometheus-stack/Chart.yaml" >"$work/kps-chart.yaml"
mv "$work/kps-chart.yaml" "$work/kube-prometheus-stack/Chart.yaml"
# the dependencies are in charts/ (bitnami's common comes from an OCI
# registry, the others from a chart repository): no lock to check them by
rm -f "$work"/*/Chart.lock
# bitnami publishes its charts from one branch, without tags the proxy can
# list: a chart bump is the same chart with its version raised, which
# changes every object's helm.sh/chart label, as a release does
cp -R "$work/postgresql" "$work/postgresql-bump"
sed -i -E 's/^version: ([0-9]+)\.([0-9]+)\.([0-9]+)$/version: \1.\2.99/' "$work/postgresql-bump/Chart.yaml"
grep -q '^version: .*\.99$' "$work/postgresql-bump/Chart.yaml" || { echo "capture: postgresql's version not raised" >&2; exit 1; }

bash "$ROOT/scripts/e2e/up.sh" >/dev/null
# shellcheck source=/dev/null
. "$RUN/env"
export HELM_CONFIG_HOME=$RUN/helm/config HELM_DATA_HOME=$RUN/helm/data HELM_CACHE_HOME=$RUN/helm/cache
helm=$SAFEDIFF_E2E_HELM
"$helm" plugin install "$SAFEDIFF_E2E_HELM_DIFF_PLUGIN" >/dev/null
out=$ROOT/testdata/helm-diff
cd "$work"

# capture NAME RELEASE CHART ARGS...: the upgrade's diff, in full context
# (NAME-diff.txt) and with --context 3 (NAME-context3.txt)
capture() {
	local name=$1 release=$2 chart=$3
	shift 3
	local rc
	for view in diff context3; do
		local extra=()
		[ "$view" = context3 ] && extra=(--context 3)
		rc=0
		"$helm" diff upgrade "$release" "./$chart" --namespace "$release" --no-color --include-tests "$@" "${extra[@]}" >"$out/cli-chart-$name-$view.txt" 2>&1 || rc=$?
		echo "cli-chart-$name-$view.txt: exit $rc"
	done
}

# helm-diff's json format drops the objects whose key it cannot read (the
# ClusterRoles named system:...), and says so on stderr only
"$helm" install metrics-server ./metrics-server-3.12.1 --namespace metrics-server --create-namespace --no-hooks >/dev/null
rc=0
"$helm" diff upgrade metrics-server ./metrics-server-3.12.2 --namespace metrics-server --no-color --output json >"$out/cli-chart-metrics-server-bump-json.txt" 2>&1 || rc=$?
echo "cli-chart-metrics-server-bump-json.txt: exit $rc"
# gatekeeper's webhook then admits what the API server stores: installed last
"$helm" install vault ./vault --namespace vault --create-namespace --no-hooks >/dev/null
capture vault-storage vault vault --set server.dataStorage.size=20Gi
capture vault-image vault vault --set server.image.tag=1.99.0
"$helm" install vault-ha ./vault --namespace vault-ha --create-namespace --no-hooks \
	--set server.ha.enabled=true --set server.ha.replicas=3 --set server.persistentVolumeClaimRetentionPolicy.whenScaled=Delete >/dev/null
capture vault-scale-down vault-ha vault --set server.ha.enabled=true --set server.ha.replicas=1 --set server.persistentVolumeClaimRetentionPolicy.whenScaled=Delete
"$helm" install ingress-nginx ./ingress-nginx --namespace ingress-nginx --create-namespace --no-hooks >/dev/null
capture ingress-nginx-daemonset ingress-nginx ingress-nginx --set controller.kind=DaemonSet
# bitnami's charts refuse an upgrade that does not repeat the passwords
pg=(--set auth.postgresPassword=capture-pw --set auth.replicationPassword=capture-repl-pw)
"$helm" install postgresql ./postgresql --namespace postgresql --create-namespace --no-hooks "${pg[@]}" >/dev/null
capture bitnami-postgresql-bump postgresql postgresql-bump "${pg[@]}"
capture bitnami-postgresql-storage postgresql postgresql "${pg[@]}" --set primary.persistence.size=20Gi
capture bitnami-postgresql-replication postgresql postgresql "${pg[@]}" --set architecture=replication
# a new password, shown: the Secret's values (base64) are in the capture
capture bitnami-postgresql-password-shown postgresql postgresql --set auth.postgresPassword=capture-pw-2 --set auth.replicationPassword=capture-repl-pw --show-secrets
"$helm" install redis ./redis --namespace redis --create-namespace --no-hooks --set auth.password=capture-pw >/dev/null
capture bitnami-redis-scale-down redis redis --set auth.password=capture-pw --set replica.replicaCount=1
# Redis Cluster from six nodes to three: the StatefulSet scaled down drops
# members that may hold slots
"$helm" install redis-cluster ./redis-cluster --namespace redis-cluster --create-namespace --no-hooks --set password=capture-pw >/dev/null
capture bitnami-redis-cluster-shrink redis-cluster redis-cluster --set password=capture-pw --set cluster.nodes=3 --set cluster.replicas=0
"$helm" install prometheus ./prometheus --namespace prometheus --create-namespace --no-hooks >/dev/null
capture prometheus-statefulset prometheus prometheus --set server.statefulSet.enabled=true
"$helm" install alertmanager ./alertmanager --namespace alertmanager --create-namespace --no-hooks >/dev/null
capture alertmanager-scale-up alertmanager alertmanager --set replicaCount=3
kps=(--set grafana.enabled=false)
"$helm" install kube-prometheus-stack ./kube-prometheus-stack --namespace kube-prometheus-stack --create-namespace --no-hooks "${kps[@]}" >/dev/null
capture kube-prometheus-stack-alertmanager-replicas kube-prometheus-stack kube-prometheus-stack "${kps[@]}" --set alertmanager.alertmanagerSpec.replicas=3
capture kube-prometheus-stack-webhook-policy kube-prometheus-stack kube-prometheus-stack "${kps[@]}" --set prometheusOperator.admissionWebhooks.failurePolicy=Ignore
# karpenter's chart 1.14.4 -> 1.15.3 inserts rules among its ClusterRole's;
# its CRDs' chart rewrites descriptions and changes schemas
"$helm" install karpenter-crd ./karpenter-crd-1.14.4 --namespace karpenter-crd --create-namespace --no-hooks >/dev/null
capture karpenter-crd-bump karpenter-crd karpenter-crd-1.15.3
"$helm" install karpenter ./karpenter-1.14.4 --namespace karpenter --create-namespace --no-hooks --set settings.clusterName=capture >/dev/null
capture karpenter-bump karpenter karpenter-1.15.3 --set settings.clusterName=capture
"$helm" install gatekeeper ./gatekeeper-3.21.0 --namespace gatekeeper --create-namespace --no-hooks >/dev/null
capture gatekeeper-bump gatekeeper gatekeeper-3.23.1

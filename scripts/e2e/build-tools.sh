#!/usr/bin/env bash
# Build the pinned end-to-end toolchain into $SAFEDIFF_CACHE (default <repo>/.cache/e2e):
#
#   bin/helm            helm.sh/helm/v3             (tools/helm)
#   bin/helm4           helm.sh/helm/v4             (tools/helm4)
#   bin/helm-diff       github.com/databus23/helm-diff/v3, the plugin's `diff` binary (tools/helm-diff)
#   bin/kube-apiserver  k8s.io/kubernetes/cmd/kube-apiserver (tools/k8s)
#   bin/etcd            go.etcd.io/etcd/server/v3   (tools/k8s)
#   helm-diff-plugin/   plugin.yaml + bin/diff, for `helm plugin install <dir>`
#   tools.env           sourceable: paths and versions of the above
#
# Versions come from the go.mod/go.sum of the tools/* modules (the single source of truth).
# Each binary is rebuilt only when it is missing or its stamp (version, flags, go.mod/go.sum
# hash) differs, so a warm run only hashes a few files. The helm-diff binary is deliberately
# not called `diff` in bin/ so that putting bin/ on PATH never shadows diffutils' diff.
#
# Usage: scripts/e2e/build-tools.sh [--force | --sanity-check]
#   --sanity-check  only run each built binary once and print its version
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SAFEDIFF_CACHE=${SAFEDIFF_CACHE:-$ROOT/.cache/e2e}
BIN=$SAFEDIFF_CACHE/bin
PLUGIN_DIR=$SAFEDIFF_CACHE/helm-diff-plugin
STAMPS=$SAFEDIFF_CACHE/stamps
FORCE=0
case "${1:-}" in
  --force) FORCE=1 ;;
  --sanity-check | "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

# The tools modules are standalone: never let a go.work leak in (and go build gets -mod=readonly).
export GOWORK=off

mkdir -p "$BIN" "$STAMPS" "$PLUGIN_DIR/bin"

# One build at a time per cache dir (a second caller waits, then finds everything up to date).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$SAFEDIFF_CACHE/.build-tools.lock"
  flock 9
fi

# shellcheck source=../lib/common.sh
. "$ROOT/scripts/lib/common.sh"
log() { echo "build-tools: $*" >&2; }

# modver <tools-subdir> <module path>: the version of <module> required in tools/<subdir>/go.mod.
modver() {
  local v
  # no pipeline into head: under pipefail an early-exiting head kills the writer (SIGPIPE, 141)
  v=$(sed -n -E "s#^[[:space:]]*(require[[:space:]]+)?$2[[:space:]]+(v[^[:space:]]+).*#\2#p" \
    "$ROOT/tools/$1/go.mod")
  v=${v%%$'\n'*}
  [ -n "$v" ] || { log "cannot find $2 in tools/$1/go.mod"; exit 1; }
  echo "$v"
}

HELM_VERSION=$(modver helm helm.sh/helm/v3)
HELM_CLIENT_GO=$(modver helm k8s.io/client-go)               # v0.37.0 -> k8s 1.37, as helm's Makefile does
HELM_K8S_MINOR=$(echo "$HELM_CLIENT_GO" | cut -d. -f2)
HELM4_VERSION=$(modver helm4 helm.sh/helm/v4)
HELM_DIFF_VERSION=$(modver helm-diff github.com/databus23/helm-diff/v3)
KUBE_VERSION=$(modver k8s k8s.io/kubernetes)
KUBE_MINOR=$(echo "$KUBE_VERSION" | cut -d. -f2)
ETCD_VERSION=$(modver k8s go.etcd.io/etcd/server/v3)

HP=helm.sh/helm/v3
HELM_LDFLAGS="-s -w -X $HP/internal/version.version=$HELM_VERSION -X $HP/internal/version.gitTreeState=clean \
-X $HP/pkg/lint/rules.k8sVersionMajor=1 -X $HP/pkg/lint/rules.k8sVersionMinor=$HELM_K8S_MINOR \
-X $HP/pkg/chartutil.k8sVersionMajor=1 -X $HP/pkg/chartutil.k8sVersionMinor=$HELM_K8S_MINOR"
# helm v4 takes the Kubernetes version from its client-go at run time; only the version is set
HELM4_LDFLAGS="-s -w -X helm.sh/helm/v4/internal/version.version=$HELM4_VERSION -X helm.sh/helm/v4/internal/version.gitTreeState=clean"
HELM_DIFF_LDFLAGS="-s -w -X github.com/databus23/helm-diff/v3/cmd.Version=${HELM_DIFF_VERSION#v}"
KUBE_LDFLAGS="-s -w"
for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  KUBE_LDFLAGS="$KUBE_LDFLAGS -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$KUBE_MINOR \
-X $p.gitTreeState=clean -X $p.buildDate=2026-01-01T00:00:00Z"
done
ETCD_LDFLAGS="-s -w"

# stamp <name> <tools-subdir> <version> <ldflags>: the text recorded next to a built binary.
stamp_text() {
  local sum
  sum=$(cat "$ROOT/tools/$2/go.mod" "$ROOT/tools/$2/go.sum" | sha256sum | cut -d' ' -f1)
  printf 'name=%s\nversion=%s\nmodule=tools/%s\nmodsum=%s\nldflags=%s\n' "$1" "$3" "$2" "$sum" "$4"
}

# sanity_check: each binary runs and prints its version (one line each). Every command's whole
# output is read (first_line), so none can be cut off by a closed pipe.
sanity_check() {
  first_line "$BIN/helm" version --short
  first_line "$BIN/helm4" version --short
  first_line "$BIN/helm-diff" version
  first_line "$BIN/kube-apiserver" --version
  first_line "$BIN/etcd" --version
}
if [ "${1:-}" = --sanity-check ]; then sanity_check; exit 0; fi

BUILT=0
TMPBIN=
trap 'if [ -n "$TMPBIN" ]; then rm -f "$TMPBIN"; fi' EXIT
# build <name> <tools-subdir> <package> <version> <ldflags>
build() {
  local name=$1 dir=$2 pkg=$3 version=$4 ldflags=$5 want t0
  want=$(stamp_text "$name" "$dir" "$version" "$ldflags")
  if [ "$FORCE" = 0 ] && [ -x "$BIN/$name" ] && [ -f "$STAMPS/$name" ] && [ "$(cat "$STAMPS/$name")" = "$want" ]; then
    return 0
  fi
  log "building $name $version from tools/$dir ($pkg) ..."
  t0=$(now)
  TMPBIN=$BIN/.$name.tmp.$$
  with_heartbeat "build-tools: building $name" \
    go build -C "$ROOT/tools/$dir" -mod=readonly -trimpath -ldflags "$ldflags" -o "$TMPBIN" "$pkg"
  mv -f "$TMPBIN" "$BIN/$name"
  TMPBIN=
  printf '%s\n' "$want" > "$STAMPS/$name"
  log "built $name $version in $(elapsed "$t0")s ($(du -h "$BIN/$name" | cut -f1))"
  BUILT=$((BUILT + 1))
}

T0=$(now)
build helm           helm      $HP/cmd/helm                         "$HELM_VERSION"      "$HELM_LDFLAGS"
build helm4          helm4     helm.sh/helm/v4/cmd/helm             "$HELM4_VERSION"     "$HELM4_LDFLAGS"
build helm-diff      helm-diff github.com/databus23/helm-diff/v3     "$HELM_DIFF_VERSION" "$HELM_DIFF_LDFLAGS"
build kube-apiserver k8s       k8s.io/kubernetes/cmd/kube-apiserver "$KUBE_VERSION"      "$KUBE_LDFLAGS"
build etcd           k8s       go.etcd.io/etcd/server/v3            "$ETCD_VERSION"      "$ETCD_LDFLAGS"

# Helm plugin directory (no install hooks: upstream's hook downloads a release archive).
PLUGIN_YAML="name: diff
version: \"${HELM_DIFF_VERSION#v}\"
usage: \"Preview helm upgrade changes as a diff\"
description: \"Preview helm upgrade changes as a diff\"
useTunnel: true
platformCommand:
  - command: \${HELM_PLUGIN_DIR}/bin/diff"
if [ ! -f "$PLUGIN_DIR/plugin.yaml" ] || [ "$(cat "$PLUGIN_DIR/plugin.yaml")" != "$PLUGIN_YAML" ]; then
  printf '%s\n' "$PLUGIN_YAML" > "$PLUGIN_DIR/plugin.yaml.tmp"
  mv -f "$PLUGIN_DIR/plugin.yaml.tmp" "$PLUGIN_DIR/plugin.yaml"
  log "wrote $PLUGIN_DIR/plugin.yaml"
fi
if [ ! "$PLUGIN_DIR/bin/diff" -ef "$BIN/helm-diff" ]; then
  # hard link (same cache dir), or a copy where links are not possible
  ln -f "$BIN/helm-diff" "$PLUGIN_DIR/bin/diff.tmp" 2>/dev/null || cp -f "$BIN/helm-diff" "$PLUGIN_DIR/bin/diff.tmp"
  mv -f "$PLUGIN_DIR/bin/diff.tmp" "$PLUGIN_DIR/bin/diff"
  log "linked $PLUGIN_DIR/bin/diff"
fi

ENV_TEXT="# generated by scripts/e2e/build-tools.sh
export SAFEDIFF_CACHE='$SAFEDIFF_CACHE'
export SAFEDIFF_E2E_BIN='$BIN'
export SAFEDIFF_E2E_HELM='$BIN/helm'
export SAFEDIFF_E2E_HELM4='$BIN/helm4'
export SAFEDIFF_E2E_HELM_DIFF_PLUGIN='$PLUGIN_DIR'
export SAFEDIFF_E2E_KUBE_APISERVER='$BIN/kube-apiserver'
export SAFEDIFF_E2E_ETCD='$BIN/etcd'
export SAFEDIFF_E2E_HELM_VERSION='$HELM_VERSION'
export SAFEDIFF_E2E_HELM4_VERSION='$HELM4_VERSION'
export SAFEDIFF_E2E_HELM_DIFF_VERSION='${HELM_DIFF_VERSION#v}'
export SAFEDIFF_E2E_KUBE_VERSION='$KUBE_VERSION'
export SAFEDIFF_E2E_ETCD_VERSION='$ETCD_VERSION'"
if [ ! -f "$SAFEDIFF_CACHE/tools.env" ] || [ "$(cat "$SAFEDIFF_CACHE/tools.env")" != "$ENV_TEXT" ]; then
  printf '%s\n' "$ENV_TEXT" > "$SAFEDIFF_CACHE/tools.env"
fi

if [ "$BUILT" -gt 0 ]; then
  sanity_check >&2
  log "$BUILT binaries built in $(elapsed "$T0")s; cache: $SAFEDIFF_CACHE"
else
  log "all up to date (helm $HELM_VERSION and $HELM4_VERSION, helm-diff ${HELM_DIFF_VERSION#v}, kube-apiserver $KUBE_VERSION, etcd $ETCD_VERSION) in $(elapsed "$T0")s"
fi

#!/usr/bin/env bash
# Build the versioned release archives into DIST (default dist/), for each of PLATFORMS
# (default: linux and darwin, amd64 and arm64), and their checksums:
#
#   safediff_VERSION_OS_ARCH.tar.gz        the safediff command: safediff, README.md, and the
#                                          completion scripts (completions/safediff.{bash,zsh,fish})
#   safediff-VERSION-OS-ARCH.tgz           the helm v4 plugin: safediff/ with plugin.yaml in helm v4's
#                                          apiVersion v1 format (the layout of `helm plugin package`)
#   safediff-helm3-VERSION-OS-ARCH.tgz     the helm v3 plugin: plugin.yaml (helm v3's format) at the
#                                          root, as helm v3 needs for `helm plugin install URL`
#   checksums.txt                          sha256sum of every archive (sha256sum -c checksums.txt)
#
#   safediff-VERSION-OS-ARCH.tgz.prov      with SIGN_KEY: the helm v4 archive's provenance, signed
#                                          with gpg, which `helm plugin install` (v4) verifies
#
# Each plugin archive has bin/safediff, completion.yaml and plugin.complete. Archives are
# reproducible: sorted entries, owner 0, the last commit's time, gzip without a name or time.
# Environment: VERSION (default: scripts/version.sh), DIST, PLATFORMS ("os/arch ..."),
# SIGN_KEY (a gpg key id or e-mail; GNUPGHOME and SIGN_PASSPHRASE_FILE as gpg needs them).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/common.sh
. "$ROOT/scripts/lib/common.sh"
DIST=${DIST:-$ROOT/dist}
PLATFORMS=${PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64}
VERSION=$(bash "$ROOT/scripts/version.sh")
export VERSION
EPOCH=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 0)
log() { echo "dist: $*" >&2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$DIST"
mkdir -p "$DIST"

# archive OUT DIR ENTRY...: a reproducible .tar.gz of ENTRY... (relative to DIR)
archive() {
  local out=$1 dir=$2
  shift 2
  tar -C "$dir" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$EPOCH" \
    --format=ustar -cf "$tmp/archive.tar" "$@"
  gzip -n -9 <"$tmp/archive.tar" >"$out"
  rm -f "$tmp/archive.tar"
}

# sign ARCHIVE PLUGIN_YAML: ARCHIVE.prov, helm's provenance format: the plugin's metadata, the
# YAML document end "...", and the archive's SHA-256 by file name, clear-signed with SIGN_KEY
sign() {
  local name sum pass=()
  name=$(basename "$1")
  sum=$(sha256sum "$1")
  sum=${sum%% *}
  if [ -n "${SIGN_PASSPHRASE_FILE:-}" ]; then
    pass=(--pinentry-mode loopback --passphrase-file "$SIGN_PASSPHRASE_FILE")
  fi
  printf '%s\n...\nfiles:\n  %s: sha256:%s\n' "$(<"$2")" "$name" "$sum" >"$tmp/prov.txt"
  gpg --batch --yes "${pass[@]}" --local-user "$SIGN_KEY" --digest-algo SHA512 \
    --output "$1.prov" --clearsign "$tmp/prov.txt"
  log "signed $name with $SIGN_KEY"
}

# the completion scripts come from a safediff built for this machine (they are the same for all)
host=$tmp/host/safediff
go build -C "$ROOT" -trimpath -o "$host" ./cmd/safediff

T0=$(now)
for platform in $PLATFORMS; do
  os=${platform%/*} arch=${platform#*/}
  log "building safediff $VERSION for $os/$arch ..."
  bin=$tmp/$os-$arch/safediff
  GOOS=$os GOARCH=$arch CGO_ENABLED=0 with_heartbeat "dist: building $os/$arch" \
    go build -C "$ROOT" -trimpath \
    -ldflags "-s -w -X github.com/safediff/safediff/internal/cli.version=$VERSION" -o "$bin" ./cmd/safediff

  cli=safediff_${VERSION}_${os}_${arch}
  mkdir -p "$tmp/cli/$cli/completions"
  cp "$bin" "$ROOT/README.md" "$tmp/cli/$cli/"
  "$host" completion bash >"$tmp/cli/$cli/completions/safediff.bash"
  "$host" completion zsh >"$tmp/cli/$cli/completions/_safediff"
  "$host" completion fish >"$tmp/cli/$cli/completions/safediff.fish"
  archive "$DIST/$cli.tar.gz" "$tmp/cli" "$cli"

  GOOS=$os GOARCH=$arch bash "$ROOT/scripts/plugin.sh" "$tmp/v4-$os-$arch/safediff" v1 "$bin" 2>/dev/null
  v4=safediff-$VERSION-$os-$arch.tgz
  archive "$DIST/$v4" "$tmp/v4-$os-$arch" safediff
  if [ -n "${SIGN_KEY:-}" ]; then
    sign "$DIST/$v4" "$tmp/v4-$os-$arch/safediff/plugin.yaml"
  fi

  GOOS=$os GOARCH=$arch bash "$ROOT/scripts/plugin.sh" "$tmp/v3-$os-$arch" legacy "$bin" 2>/dev/null
  archive "$DIST/safediff-helm3-$VERSION-$os-$arch.tgz" "$tmp/v3-$os-$arch" plugin.yaml bin completion.yaml plugin.complete
done
(cd "$DIST" && sha256sum -- *.tar.gz *.tgz >checksums.txt)
if [ -n "${SIGN_KEY:-}" ]; then
  (cd "$DIST" && sha256sum -- *.prov >>checksums.txt)
fi
log "safediff $VERSION: $(ls "$DIST" | wc -l) files in $DIST in $(elapsed "$T0")s"

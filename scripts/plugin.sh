#!/usr/bin/env bash
# Assemble the safediff helm plugin in DIR: bin/safediff built for GOOS/GOARCH with the version
# injected, plugin.yaml from plugin/manifest/FORMAT.yaml with the version filled in,
# completion.yaml (helm safediff <TAB>) and plugin.complete (everything after it).
#
# Usage: scripts/plugin.sh DIR legacy|v1 [BINARY]
#   legacy  helm v3's manifest, which helm v4 reads too (make plugin; the helm v3 archive)
#   v1      helm v4's versioned manifest (the helm v4 archive)
#   BINARY  an already built safediff to copy instead of building one
# Environment: VERSION (default: scripts/version.sh), GOOS, GOARCH (default: this machine's).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -ge 2 ] || { echo "usage: $0 DIR legacy|v1 [BINARY]" >&2; exit 2; }
dir=$1 format=$2 binary=${3:-}
manifest=$ROOT/plugin/manifest/$format.yaml
[ -f "$manifest" ] || { echo "plugin.sh: no manifest format $format (want legacy or v1)" >&2; exit 2; }
VERSION=$(bash "$ROOT/scripts/version.sh")

mkdir -p "$dir/bin"
if [ -n "$binary" ]; then
  cp -f "$binary" "$dir/bin/safediff"
else
  CGO_ENABLED=0 go build -C "$ROOT" -trimpath \
    -ldflags "-s -w -X github.com/safediff/safediff/internal/cli.version=$VERSION" \
    -o "$dir/bin/safediff" ./cmd/safediff
fi
# the manifest without its comment lines, with the version
text=$(<"$manifest")
out=
while IFS= read -r line; do
  case $line in "#"*) continue ;; esac
  out+=${line//@VERSION@/$VERSION}$'\n'
done <<<"$text"
printf '%s' "$out" >"$dir/plugin.yaml"
dir_abs=$(cd "$dir" && pwd)
if [ "$dir_abs" != "$ROOT/plugin" ]; then
  cp -f "$ROOT/plugin/completion.yaml" "$dir/completion.yaml"
  cp -f "$ROOT/plugin/plugin.complete" "$dir/plugin.complete"
fi
chmod 0755 "$dir/plugin.complete" "$dir/bin/safediff"
echo "plugin.sh: $dir: safediff $VERSION ($format manifest, ${GOOS:-$(go env GOOS)}/${GOARCH:-$(go env GOARCH)})" >&2

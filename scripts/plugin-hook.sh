#!/bin/sh
# The install and update hook of the helm plugin installed from the git repository:
#
#   helm plugin install https://github.com/safediff/safediff [--version vX.Y.Z]   (helm v4: --verify=false)
#   helm plugin update safediff
#
# helm clones (or, on update, pulls) the repository into its plugins directory and runs this
# with "install" or "update"; the manifest at the repository's root runs bin/safediff, which
# this puts there, in this order:
#   1. SAFEDIFF_PLUGIN_ARCHIVE: a safediff_VERSION_OS_ARCH.tar.gz of `make dist` (a file or an
#      http(s) URL), checked against the checksums.txt beside it when there is one;
#   2. with Go installed: built from the checked-out source, with its version;
#   3. otherwise, for a released version: that release's archive, checked against its checksums.
# On install, a bin/safediff already there (a clone where `make build` ran) is kept.
set -eu
mode=${1:-install}
dir=$(cd "$(dirname "$0")/.." && pwd)
bin=$dir/bin/safediff
say() { echo "safediff plugin: $*" >&2; }
die() { say "error: $*"; exit 1; }

version=$(bash "$dir/scripts/version.sh")
os=$(uname -s | tr '[:upper:]' '[:lower:]')
case $(uname -m) in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "no safediff build for $(uname -m); build it from $dir with: go build -o bin/safediff ./cmd/safediff" ;;
esac

if [ "$mode" = install ] && [ -x "$bin" ]; then
  say "keeping the bin/safediff already there ($("$bin" version))"
  exit 0
fi
mkdir -p "$dir/bin"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# fetch SRC DEST: copy a file or download a URL
fetch() {
  case $1 in
    http://* | https://*)
      if command -v curl >/dev/null 2>&1; then curl -fsSL --retry 3 -o "$2" "$1"
      elif command -v wget >/dev/null 2>&1; then wget -q -O "$2" "$1"
      else die "neither curl nor wget is installed to download $1"
      fi ;;
    *) cp "$1" "$2" ;;
  esac
}

# from_archive SRC: install bin/safediff from a release archive, checked against checksums.txt
from_archive() {
  name=$(basename "$1")
  fetch "$1" "$tmp/$name" || die "cannot fetch $1"
  if fetch "$(dirname "$1")/checksums.txt" "$tmp/checksums.txt" 2>/dev/null; then
    want=$(awk -v n="$name" '$2 == n { print $1 }' "$tmp/checksums.txt")
    [ -n "$want" ] || die "checksums.txt has no line for $name"
    got=$(cd "$tmp" && sha256sum "$name" | awk '{ print $1 }')
    [ "$got" = "$want" ] || die "$name: checksum $got, checksums.txt says $want"
    say "checksum of $name verified"
  elif [ -z "${SAFEDIFF_PLUGIN_ARCHIVE:-}" ]; then
    die "no checksums.txt beside $1"
  fi
  tar -xzf "$tmp/$name" -C "$tmp"
  cp "$tmp/${name%.tar.gz}/safediff" "$bin.tmp"
  chmod 0755 "$bin.tmp"
  mv -f "$bin.tmp" "$bin"
}

if [ -n "${SAFEDIFF_PLUGIN_ARCHIVE:-}" ]; then
  say "installing safediff from $SAFEDIFF_PLUGIN_ARCHIVE"
  from_archive "$SAFEDIFF_PLUGIN_ARCHIVE"
elif command -v go >/dev/null 2>&1; then
  say "building safediff $version from $dir ($(go version)) ..."
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/safediff/safediff/internal/cli.version=$version" -o "$bin.tmp" ./cmd/safediff)
  mv -f "$bin.tmp" "$bin"
else
  case $version in
    *-*) die "safediff $version is not a release, and Go is not installed to build it: install Go, or set SAFEDIFF_PLUGIN_ARCHIVE to a release archive" ;;
  esac
  from_archive "https://github.com/safediff/safediff/releases/download/v$version/safediff_${version}_${os}_${arch}.tar.gz"
fi
say "$mode: $("$bin" version)"

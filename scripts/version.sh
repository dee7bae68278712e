#!/usr/bin/env bash
# Print the version of this checkout as SemVer without a leading v, the one string that
# `safediff version` and the helm plugin's plugin.yaml both show (helm requires SemVer):
#
#   on tag v1.2.3           1.2.3
#   3 commits after it      1.2.3-3-gabc1234
#   no tag yet              0.0.0-gabc1234
#   uncommitted changes     ...-dirty
#   outside a git checkout  0.0.0-dev
#
# VERSION in the environment overrides it (a release build from an exported tree).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -n "${VERSION:-}" ]; then
  echo "${VERSION#v}"
elif d=$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null); then
  echo "${d#v}"
elif h=$(git rev-parse --short HEAD 2>/dev/null); then
  dirty=
  git diff --quiet HEAD -- 2>/dev/null || dirty=-dirty
  echo "0.0.0-g$h$dirty"
else
  echo "0.0.0-dev"
fi

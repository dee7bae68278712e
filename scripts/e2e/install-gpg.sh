#!/usr/bin/env bash
# Make sure gpg is installed: the end-to-end test of `make dist` signs the helm v4 plugin archive
# with a throw-away key and has helm v4 verify it. Idempotent; installs Debian's gnupg with
# apt-get when gpg is missing (through sudo when not root).
set -euo pipefail
log() { echo "install-gpg: $*" >&2; }
if command -v gpg >/dev/null 2>&1; then
  log "gpg is installed ($(command -v gpg))"
  exit 0
fi
command -v apt-get >/dev/null 2>&1 || { log "error: gpg is missing and there is no apt-get: install GnuPG"; exit 1; }
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else log "error: not root and no sudo: run as root: $*"; exit 1
  fi
}
export DEBIAN_FRONTEND=noninteractive
log "gpg is missing: apt-get install -y gnupg"
if ! as_root apt-get install -y -q gnupg >&2; then
  as_root apt-get update -q >&2
  as_root apt-get install -y -q gnupg >&2
fi
command -v gpg >/dev/null 2>&1 || { log "error: gpg is still missing after apt-get install gnupg"; exit 1; }

#!/usr/bin/env bash
# Make sure the data-plane binaries that internal/testenv/kubelet runs for the bundled charts are
# installed: Redis 7 (redis-server, redis-cli) and the PostgreSQL 15 server binaries.
#
# Idempotent. Installs redis-server (and script(1), from bsdutils) with apt-get when missing (with sudo when not root);
# only checks PostgreSQL and says what is missing (apt-get install postgresql-15 provides it).
# Prints the paths found.
#
# Environment (optional):
#   PG_BIN   where the PostgreSQL 15 server binaries are (default /usr/lib/postgresql/15/bin)
#
# Note: Debian's redis-server package starts a system Redis on 127.0.0.1:6379 where an init
# system runs. The tests bind other loopback addresses, so it is in nobody's way.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

log() { echo "install-dataplane: $*" >&2; }
die() { echo "install-dataplane: error: $*" >&2; exit 1; }
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "not root and no sudo: run as root: $*"
  fi
}

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || die "redis-server is missing and there is no apt-get: install Redis 7 (redis-server and redis-cli)"
  log "redis-server is missing: apt-get install -y redis-server"
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y -q redis-server >&2; then
    log "apt-get install failed; updating the package lists and retrying"
    as_root apt-get update -q >&2
    as_root apt-get install -y -q redis-server >&2
  fi
fi
# script(1) gives the --approve test a terminal; Debian's bsdutils has it
if ! command -v script >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || die "script(1) is missing and there is no apt-get: install util-linux (or bsdutils)"
  log "script(1) is missing: apt-get install -y bsdutils"
  as_root apt-get install -y -q bsdutils >&2 || { as_root apt-get update -q >&2; as_root apt-get install -y -q bsdutils >&2; }
fi
REDIS_SERVER=$(command -v redis-server) || die "redis-server is still missing after apt-get install redis-server"
REDIS_CLI=$(command -v redis-cli) || die "redis-cli is missing (it comes with redis-server, or redis-tools)"
redis_version=$("$REDIS_SERVER" --version | sed -n 's/.* v=\([0-9][0-9.]*\).*/\1/p')
case $redis_version in
  7.* | [89].*) ;;
  *) die "$REDIS_SERVER is Redis ${redis_version:-of unknown version}; the redis chart needs Redis 7 or newer" ;;
esac

missing=()
for b in initdb postgres pg_basebackup pg_ctl psql; do
  [ -x "$PG_BIN/$b" ] || missing+=("$PG_BIN/$b")
done
if [ ${#missing[@]} -gt 0 ]; then
  die "PostgreSQL 15 server binaries missing: ${missing[*]}
  install them with: apt-get install postgresql-15 (or set PG_BIN to where they are)"
fi
pg_version=$("$PG_BIN/postgres" --version)
case $pg_version in
  *" 15."*) ;;
  *) die "$PG_BIN/postgres is '$pg_version'; the postgres chart is for PostgreSQL 15" ;;
esac

echo "redis-server   $REDIS_SERVER (v$redis_version)"
echo "redis-cli      $REDIS_CLI"
echo "postgres       $PG_BIN/postgres (${pg_version#postgres (PostgreSQL) })"
for b in initdb pg_basebackup pg_ctl psql; do
  printf '%-14s %s\n' "$b" "$PG_BIN/$b"
done

#!/bin/sh
# Entrypoint of the postgres chart's server container.
#
# Environment (from the pod template; every path comes from here):
#   PGDATA                the data directory, inside the data volume
#   CONFIG_DIR            the mounted <release>-postgres-config ConfigMap
#   PGPORT, POD_IP        where to listen
#   HOSTNAME              the pod name, <statefulset>-<ordinal> (else the
#                         kernel's host name, which Kubernetes sets to it)
#   SUPERUSER_PASSWORD    initdb's password for the postgres role
#   REPLICATION_PASSWORD  optional: the replication role's password
# Files in $CONFIG_DIR, read at every start (so changing them is a
# ConfigMap-only change, picked up at the next start):
#   role        primary | replica; used only while $PGDATA is empty, and
#               only by pod 0
#   members     the host of each pod, pod 0 first (replicas > 1); pods 1 …
#               copy pod 0 and stream from it
#   source.env  SOURCE_HOST, SOURCE_PORT, SLOT, REPLICATION_USER
#   postgresql.conf, pg_hba.conf  given to postgres as config_file and
#               hba_file; re-read on SELECT pg_reload_conf()
set -eu

log() { printf 'entrypoint: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

: "${PGDATA:?PGDATA is not set}"
: "${CONFIG_DIR:?CONFIG_DIR is not set}"
: "${PGPORT:?PGPORT is not set}"
: "${POD_IP:?POD_IP is not set (fieldRef status.podIP)}"

role=$(cat "$CONFIG_DIR/role")
SOURCE_HOST='' SOURCE_PORT='' SLOT='' REPLICATION_USER=''
. "$CONFIG_DIR/source.env"
pod=${HOSTNAME:-$(cat /proc/sys/kernel/hostname)}
ordinal=${pod##*-}
case $ordinal in '' | *[!0-9]*) die "the pod name '$pod' does not end in an ordinal" ;; esac
if [ "$ordinal" -gt 0 ]; then
  # a standby of pod 0 (a cascading one when pod 0 is a standby itself),
  # without a slot
  role=replica
  SOURCE_HOST=$(sed -n 1p "$CONFIG_DIR/members")
  SOURCE_PORT=$PGPORT SLOT=''
  [ -n "$SOURCE_HOST" ] || die "pod $ordinal of a StatefulSet needs members (members.hosts) to find pod 0"
fi
REPLICATION_PASSWORD=${REPLICATION_PASSWORD:-}

# Files created from here on (the password file, the data directory) are
# private to the postgres user.
umask 077

# A new data directory is built in $PGDATA.tmp and renamed into place only
# when complete, so an interrupted initdb or base backup never looks like a
# data directory at the next start.
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  tmp=$PGDATA.tmp
  case $role in
  replica)
    [ -n "$SOURCE_HOST" ] || die "role is replica but SOURCE_HOST is empty in $CONFIG_DIR/source.env"
    [ -n "$REPLICATION_USER" ] || die "role is replica but REPLICATION_USER is empty in $CONFIG_DIR/source.env"
    [ -n "$REPLICATION_PASSWORD" ] || die "role is replica but REPLICATION_PASSWORD is empty"
    # -R writes standby.signal and primary_conninfo (+ primary_slot_name)
    # into $tmp/postgresql.auto.conf; --checkpoint=fast starts the copy at
    # once instead of after a spread checkpoint on the source.
    set -- -h "$SOURCE_HOST" -p "${SOURCE_PORT:-5432}" -U "$REPLICATION_USER" \
      -D "$tmp" -R -X stream --checkpoint=fast --no-password
    [ -z "$SLOT" ] || set -- "$@" -S "$SLOT"
    attempt=1
    while :; do
      rm -rf "$tmp"
      log "pg_basebackup from $SOURCE_HOST:${SOURCE_PORT:-5432} as $REPLICATION_USER${SLOT:+ (slot $SLOT)}, attempt $attempt"
      if PGPASSWORD=$REPLICATION_PASSWORD pg_basebackup "$@"; then
        break
      fi
      attempt=$((attempt + 1))
      sleep 5
    done
    # the copy has the source's postgresql.auto.conf, whose slot (pod 0 of
    # a standby cluster streams from one) is not this server's
    [ -n "$SLOT" ] || printf "primary_slot_name = ''\n" >>"$tmp/postgresql.auto.conf"
    ;;
  primary)
    [ -n "${SUPERUSER_PASSWORD:-}" ] || die "SUPERUSER_PASSWORD is empty"
    rm -rf "$tmp"
    pwfile=$(mktemp)
    trap 'rm -f "$pwfile"' EXIT
    printf '%s\n' "$SUPERUSER_PASSWORD" >"$pwfile"
    log "initdb $PGDATA"
    initdb -D "$tmp" -U postgres --auth=scram-sha-256 --pwfile="$pwfile" \
      --encoding=UTF8 --locale=C.UTF-8
    rm -f "$pwfile"
    trap - EXIT
    if [ -n "$REPLICATION_PASSWORD" ] && [ -n "$REPLICATION_USER" ]; then
      [ "$(printf '%s' "$REPLICATION_PASSWORD" | wc -l)" -eq 0 ] || die "REPLICATION_PASSWORD must be a single line"
      log "creating role $REPLICATION_USER (LOGIN REPLICATION)"
      pw=$(printf '%s' "$REPLICATION_PASSWORD" | sed "s/'/''/g")
      # Single-user mode: no socket, no network. It exits 0 even when the
      # statement fails, so look for an ERROR; the statement (with the
      # password) is never logged.
      out=$(printf '%s\n' "CREATE ROLE \"$REPLICATION_USER\" WITH LOGIN REPLICATION PASSWORD '$pw';" |
        postgres --single -D "$tmp" -c log_statement=none -c log_min_error_statement=panic postgres 2>&1 >/dev/null)
      pw=
      case $out in *ERROR:*) die "creating role $REPLICATION_USER failed: $out" ;; esac
    fi
    ;;
  *)
    die "role must be primary or replica, not '$role' (in $CONFIG_DIR/role)"
    ;;
  esac
  mv "$tmp" "$PGDATA"
fi
chmod 0700 "$PGDATA"

# -D names the data directory; config_file and hba_file point at the
# ConfigMap. postgresql.auto.conf (ALTER SYSTEM) is still read from $PGDATA.
mode=primary
[ ! -f "$PGDATA/standby.signal" ] || mode=standby
log "starting postgres ($mode) on $POD_IP:$PGPORT"
exec postgres -D "$PGDATA" \
  -c config_file="$CONFIG_DIR/postgresql.conf" \
  -c hba_file="$CONFIG_DIR/pg_hba.conf" \
  -c listen_addresses="$POD_IP" \
  -c port="$PGPORT"

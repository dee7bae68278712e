#!/bin/sh
# Entrypoint of the redis chart's Sentinel container.
#
# Environment: CONFIG_DIR (the <release>-redis-sentinel-config ConfigMap),
# DATA_DIR (the Sentinel's volume), SENTINEL_PORT, POD_IP, HOSTNAME (the pod
# name), REDIS_PASSWORD (optional: the master's password, auth-pass).
# Files in $CONFIG_DIR: sentinel.conf (the seed), master-name, hosts (the
# host each Sentinel announces, by ordinal).
#
# Sentinel rewrites its configuration file whenever what it knows changes
# (the master after a failover, the other Sentinels, SENTINEL MONITOR and
# REMOVE), so the file lives on the data volume and belongs to Sentinel.
# It is seeded from the ConfigMap only while it monitors nothing.
set -eu

log() { printf 'sentinel: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

: "${CONFIG_DIR:?CONFIG_DIR is not set}"
: "${DATA_DIR:?DATA_DIR is not set}"
: "${SENTINEL_PORT:?SENTINEL_PORT is not set}"
: "${POD_IP:?POD_IP is not set (fieldRef status.podIP)}"

pod=${HOSTNAME:-$(cat /proc/sys/kernel/hostname)}
ordinal=${pod##*-}
case $ordinal in '' | *[!0-9]*) die "the pod name '$pod' does not end in an ordinal" ;; esac
announce=$(sed -n "$((ordinal + 1))p" "$CONFIG_DIR/hosts")
announce=${announce:-$POD_IP}

umask 077
conf=$DATA_DIR/sentinel.conf
if ! grep -q '^sentinel monitor ' "$conf" 2>/dev/null; then
  log "seeding $conf from the ConfigMap"
  cp "$CONFIG_DIR/sentinel.conf" "$conf.tmp"
  if [ -n "${REDIS_PASSWORD:-}" ] && grep -q '^sentinel monitor ' "$conf.tmp"; then
    pw=$(printf '%s' "$REDIS_PASSWORD" | sed 's/\\/\\\\/g; s/"/\\"/g')
    printf 'sentinel auth-pass %s "%s"\n' "$(cat "$CONFIG_DIR/master-name")" "$pw" >>"$conf.tmp"
    pw=
  fi
  mv "$conf.tmp" "$conf"
fi
log "starting sentinel on $POD_IP:$SENTINEL_PORT (announced as $announce)"
exec redis-server "$conf" --sentinel --bind "$POD_IP" --port "$SENTINEL_PORT" --dir "$DATA_DIR" \
  --sentinel announce-ip "$announce"

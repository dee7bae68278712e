#!/bin/sh
# Entrypoint of the redis chart's server container.
#
# Environment (from the pod template; every path comes from here):
#   CONFIG_DIR        the mounted <release>-redis-config ConfigMap
#   DATA_DIR          the data volume (redis' dir)
#   REDIS_PORT, POD_IP  where to listen
#   REDIS_PASSWORD    optional: requirepass and masterauth
# Files in $CONFIG_DIR, read at every start (so changing them is a
# ConfigMap-only change, picked up at the next start):
#   redis.conf  the configuration file
#   replicaof   "host port" of the server to replicate from; empty: primary
set -eu

log() { printf 'entrypoint: %s\n' "$*" >&2; }

: "${CONFIG_DIR:?CONFIG_DIR is not set}"
: "${DATA_DIR:?DATA_DIR is not set}"
: "${REDIS_PORT:?REDIS_PORT is not set}"
: "${POD_IP:?POD_IP is not set (fieldRef status.podIP)}"

set -- "$CONFIG_DIR/redis.conf" --bind "$POD_IP" --port "$REDIS_PORT" --dir "$DATA_DIR"

host='' port=''
if [ -s "$CONFIG_DIR/replicaof" ]; then
  read -r host port <"$CONFIG_DIR/replicaof" || true
fi
if [ -n "$host" ]; then
  log "starting redis on $POD_IP:$REDIS_PORT as a replica of $host:${port:-6379}"
  set -- "$@" --replicaof "$host" "${port:-6379}"
else
  log "starting redis on $POD_IP:$REDIS_PORT as a primary"
fi

# On the command line, not in a file: redis-server replaces its process
# title, so ps shows neither.
if [ -n "${REDIS_PASSWORD:-}" ]; then
  set -- "$@" --requirepass "$REDIS_PASSWORD" --masterauth "$REDIS_PASSWORD"
fi
exec redis-server "$@"

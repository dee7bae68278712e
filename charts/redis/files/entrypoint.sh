#!/bin/sh
# Entrypoint of the redis chart's server container.
#
# Environment (from the pod template; every path comes from here):
#   CONFIG_DIR        the mounted <release>-redis-config ConfigMap
#   DATA_DIR          the data volume (redis' dir)
#   REDIS_PORT, POD_IP  where to listen
#   HOSTNAME          the pod name, <statefulset>-<ordinal> (else the
#                     kernel's host name, which Kubernetes sets to it)
#   REDIS_PASSWORD    optional: requirepass and masterauth
# Files in $CONFIG_DIR, read at every start (so changing them is a
# ConfigMap-only change, picked up at the next start):
#   redis.conf  the configuration file
#   replicaof   "host port" of the server pod 0 replicates from; empty: primary
#   members     the host of each pod, pod 0 first; pods 1 … replicate from
#               the first (standalone mode), each pod announces its own
#   mode        standalone or cluster
#   cluster-create, cluster-shards  cluster mode: pod 0 creates the cluster
#               (cluster-create.sh, beside this file) when it is true
set -eu

log() { printf 'entrypoint: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

: "${CONFIG_DIR:?CONFIG_DIR is not set}"
: "${DATA_DIR:?DATA_DIR is not set}"
: "${REDIS_PORT:?REDIS_PORT is not set}"
: "${POD_IP:?POD_IP is not set (fieldRef status.podIP)}"

pod=${HOSTNAME:-$(cat /proc/sys/kernel/hostname)}
ordinal=${pod##*-}
case $ordinal in '' | *[!0-9]*) die "the pod name '$pod' does not end in an ordinal" ;; esac
announce=$(sed -n "$((ordinal + 1))p" "$CONFIG_DIR/members")
announce=${announce:-$POD_IP}
mode=$(cat "$CONFIG_DIR/mode")

# The announced address is where the master, the Sentinels and the
# cluster reach this server, whatever source address its own connections
# leave from.
set -- "$CONFIG_DIR/redis.conf" --bind "$POD_IP" --port "$REDIS_PORT" --dir "$DATA_DIR" \
  --replica-announce-ip "$announce"

if [ "$mode" = cluster ]; then
  # cluster-announce-ip takes an address, not a name
  case $announce in *[!0-9a-fA-F.:]*) announce=$POD_IP ;; esac
  set -- "$@" --cluster-announce-ip "$announce"
  log "starting redis on $POD_IP:$REDIS_PORT as cluster node $ordinal (announced as $announce)"
  if [ "$ordinal" = 0 ] && [ "$(cat "$CONFIG_DIR/cluster-create")" = true ]; then
    sh "$(dirname "$0")/cluster-create.sh" &
  fi
else
  host='' port=''
  if [ "$ordinal" -gt 0 ]; then
    host=$(sed -n 1p "$CONFIG_DIR/members") port=$REDIS_PORT
    [ -n "$host" ] || die "pod $ordinal of a StatefulSet needs members (members.hosts) to find pod 0"
  elif [ -s "$CONFIG_DIR/replicaof" ]; then
    read -r host port <"$CONFIG_DIR/replicaof" || true
  fi
  if [ -n "$host" ]; then
    log "starting redis on $POD_IP:$REDIS_PORT as a replica of $host:${port:-6379}"
    set -- "$@" --replicaof "$host" "${port:-6379}"
  else
    log "starting redis on $POD_IP:$REDIS_PORT as a primary"
  fi
fi

# On the command line, not in a file: redis-server replaces its process
# title, so ps shows neither.
if [ -n "${REDIS_PASSWORD:-}" ]; then
  set -- "$@" --requirepass "$REDIS_PASSWORD" --masterauth "$REDIS_PASSWORD"
fi
exec redis-server "$@"

#!/bin/sh
# Creates the Redis Cluster of a release once; started in the background by
# pod 0's entrypoint when cluster.create is true. Each step can run again,
# so a pod restarted half-way finishes the job, and none disturbs a cluster
# that runs: slots go only to nodes that have none (ADDSLOTSRANGE refuses
# busy slots), a node becomes a replica only while it is a master without
# slots. Once done it leaves a mark in pod 0's data volume and does nothing
# at later starts.
#
# Environment: CONFIG_DIR, DATA_DIR, REDIS_PORT, REDIS_PASSWORD (optional),
# as the entrypoint's. Files: members (the host of each pod),
# cluster-shards.
set -u

log() { printf 'cluster-create: %s\n' "$*" >&2; }
[ -z "${REDIS_PASSWORD:-}" ] || export REDISCLI_AUTH="$REDIS_PASSWORD"
cli() { h=$1; shift; redis-cli -h "$h" -p "$REDIS_PORT" "$@" 2>/dev/null; }
# the address of a host: CLUSTER MEET takes an address, not a name
addr() {
  case $1 in *[!0-9a-fA-F.:]*) getent hosts "$1" | awk '{print $1; exit}' ;; *) echo "$1" ;; esac
}
info() { cli "$1" cluster info | tr -d '\r' | sed -n "s/^$2:\([0-9a-z]*\)\$/\1/p"; }
# "master N" or "slave N": a node's role and how many slot ranges it serves
self() { cli "$1" cluster nodes | tr -d '\r' | awk '$3 ~ /myself/ { sub(/myself,/, "", $3); print $3, NF - 8 }'; }

hosts=$(cat "$CONFIG_DIR/members")
shards=$(cat "$CONFIG_DIR/cluster-shards")
n=$(printf '%s\n' "$hosts" | grep -c .)
first=$(printf '%s\n' "$hosts" | sed -n 1p)

mark=$DATA_DIR/cluster-created
[ ! -e "$mark" ] || exit 0
for h in $hosts; do
  until cli "$h" ping | grep -q PONG; do sleep 1; done
done
i=0
for h in $hosts; do
  if [ "$i" -lt "$shards" ] && [ "$(self "$h")" = "master 0" ]; then
    from=$((i * 16384 / shards)) to=$(((i + 1) * 16384 / shards - 1))
    log "slots $from-$to to $h"
    cli "$h" cluster addslotsrange "$from" "$to" >/dev/null
  fi
  i=$((i + 1))
done
for h in $hosts; do
  [ "$h" = "$first" ] || cli "$first" cluster meet "$(addr "$h")" "$REDIS_PORT" >/dev/null
done
until [ "$(info "$first" cluster_known_nodes)" = "$n" ]; do sleep 1; done
i=0
for h in $hosts; do
  if [ "$i" -ge "$shards" ]; then
    master=$(printf '%s\n' "$hosts" | sed -n "$((i % shards + 1))p")
    id=$(cli "$master" cluster myid | tr -d '\r')
    log "$h replicates $master ($id)"
    # only an empty master: a node that serves slots, or already
    # replicates, is left alone
    until [ "$(self "$h")" != "master 0" ] || cli "$h" cluster replicate "$id" | grep -q OK; do sleep 1; done
  fi
  i=$((i + 1))
done
until [ "$(info "$first" cluster_state)" = ok ]; do sleep 1; done
: >"$mark"
log "created: $shards shards, $n nodes"

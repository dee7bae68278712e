#!/usr/bin/env bash
# Start a throw-away Kubernetes control plane (etcd + kube-apiserver) on 127.0.0.1.
#
# Needs the binaries from scripts/e2e/build-tools.sh, bash, coreutils and openssl (openssl is a
# dependency of Debian's ca-certificates, so it is there wherever the Go proxy is reachable).
# curl is used for the readiness probe when present; otherwise `openssl s_client`. No kubectl.
#
# Environment (all optional):
#   SAFEDIFF_CACHE  cache dir of build-tools.sh          (default <repo>/.cache/e2e)
#   BIN             where etcd and kube-apiserver are    (default $SAFEDIFF_CACHE/bin)
#   RUN             state dir of this cluster             (default $SAFEDIFF_CACHE/run)
#   ETCD_PORT, ETCD_PEER_PORT, API_PORT                   (default: free ports in 20000-32767)
#   READY_TIMEOUT   seconds to wait for /readyz           (default 60)
#
# Writes $RUN/kubeconfig, $RUN/env (sourceable), $RUN/pids/{etcd,kube-apiserver}, $RUN/logs/.
# On success prints the contents of $RUN/env on stdout (so `eval "$(up.sh)"` works too).
# Stop with: RUN=<same dir> scripts/e2e/down.sh [--wipe]
#
# Only etcd + kube-apiserver run: objects are stored and validated, nothing reconciles them
# (no pods become Ready, so do not use `helm --wait`). The ServiceAccount admission plugin is
# off, so Pods and Jobs can be created without a controller-manager.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lib/common.sh
. "$ROOT/scripts/lib/common.sh"
SAFEDIFF_CACHE=${SAFEDIFF_CACHE:-$ROOT/.cache/e2e}
BIN=${BIN:-$SAFEDIFF_CACHE/bin}
RUN=${RUN:-$SAFEDIFF_CACHE/run}
READY_TIMEOUT=${READY_TIMEOUT:-60}

log() { echo "up: $*" >&2; }
die() { echo "up: error: $*" >&2; exit 1; }
T0=$(now)

for b in etcd kube-apiserver; do
  [ -x "$BIN/$b" ] || die "$BIN/$b is missing: run scripts/e2e/build-tools.sh first"
done
command -v openssl >/dev/null 2>&1 || die "openssl is required (apt-get install openssl)"

# is_ours <pid>: alive and (where /proc exists) started with this RUN dir on its command line,
# so a recycled PID is never mistaken for one of our servers.
is_ours() {
  kill -0 "$1" 2>/dev/null || return 1
  [ -r "/proc/$1/cmdline" ] || return 0
  file_contains "/proc/$1/cmdline" "$RUN/"
}

[ -d "$RUN" ] && RUN=$(cd "$RUN" && pwd)
for f in "$RUN"/pids/*; do
  [ -f "$f" ] || continue
  if is_ours "$(cat "$f")"; then
    die "a cluster is already running in $RUN ($(basename "$f") pid $(cat "$f")); stop it with: RUN=$RUN scripts/e2e/down.sh"
  fi
  rm -f "$f"
done

# ---- ports ------------------------------------------------------------------------------
# A port is taken if something accepts a connection on it. The range stays below Linux's
# ephemeral range (32768-60999) so outgoing connections never hold our ports.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PICKED=" "
pick_port() { # sets PORT
  local i
  for i in $(seq 1 500); do
    PORT=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
    case "$PICKED" in *" $PORT "*) continue ;; esac
    port_busy "$PORT" && continue
    PICKED="$PICKED$PORT "
    return 0
  done
  die "no free port found in 20000-32767"
}
GIVEN_ETCD_PORT=${ETCD_PORT:-}
GIVEN_ETCD_PEER_PORT=${ETCD_PEER_PORT:-}
GIVEN_API_PORT=${API_PORT:-}
choose_ports() {
  PICKED=" "
  for v in ETCD_PORT ETCD_PEER_PORT API_PORT; do
    local given_var="GIVEN_$v"
    if [ -n "${!given_var}" ]; then
      printf -v "$v" '%s' "${!given_var}"
      port_busy "${!v}" && die "$v=${!v} is already in use on 127.0.0.1"
      PICKED="$PICKED${!v} "
    else
      pick_port
      printf -v "$v" '%s' "$PORT"
    fi
  done
}
AUTO_PORTS=0
[ -n "$GIVEN_ETCD_PORT" ] && [ -n "$GIVEN_ETCD_PEER_PORT" ] && [ -n "$GIVEN_API_PORT" ] || AUTO_PORTS=1
choose_ports # fail early (before touching $RUN) when a given port is taken

mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd)
mkdir -p "$RUN"/{etcd,certs,logs,pids}

# ---- credentials ------------------------------------------------------------------------
# service-account key pair + static admin token (group system:masters => cluster-admin)
cd "$RUN"
[ -s certs/sa.key ] || openssl genrsa -out certs/sa.key 2048 2>/dev/null
[ -s certs/sa.pub ] || openssl rsa -in certs/sa.key -pubout -out certs/sa.pub 2>/dev/null
[ -s certs/token ] || od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >certs/token
TOKEN=$(cat certs/token)
echo "$TOKEN,admin,admin,\"system:masters\"" >certs/tokens.csv

# ---- probes -----------------------------------------------------------------------------
etcd_healthy() { # plain HTTP on loopback, bash only
  timeout 2 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET /health HTTP/1.0\r\n\r\n" >&3
    grep -q "\"health\":\"true\"" <&3' _ "$ETCD_PORT" 2>/dev/null
}
if [ -n "${SAFEDIFF_E2E_PROBE:-}" ]; then PROBE=$SAFEDIFF_E2E_PROBE
elif command -v curl >/dev/null 2>&1; then PROBE=curl
else PROBE=openssl; fi
api_get() { # api_get <path>: print the body of an authenticated GET; fail unless HTTP 200
  if [ "$PROBE" = curl ]; then
    curl -ksSf --max-time 5 -H "Authorization: Bearer $TOKEN" "https://127.0.0.1:$API_PORT$1" 2>/dev/null
  else
    local out
    out=$(printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n' "$1" "$TOKEN" |
      timeout 5 openssl s_client -quiet -connect "127.0.0.1:$API_PORT" 2>/dev/null) || true
    case "$out" in
      "HTTP/1."?" 200 "*) printf '%s' "${out#*$'\r\n\r\n'}" ;;
      *) return 1 ;;
    esac
  fi
}

# ---- start ------------------------------------------------------------------------------
stop_started() {
  RUN=$RUN bash "$ROOT/scripts/e2e/down.sh" || die "could not stop what was started in $RUN"
}
bind_failed() { grep -qiE 'address already in use|bind: ' "logs/$1.log" 2>/dev/null; }
# fail <component> <retryable 0|1>: returns 10 for "retry with other ports", exits otherwise
fail() {
  stop_started
  if [ "$2" = 1 ] && [ "$AUTO_PORTS" = 1 ] && bind_failed "$1"; then return 10; fi
  echo "up: $1 failed to start; last lines of $RUN/logs/$1.log:" >&2
  tail -n 20 "logs/$1.log" >&2 || true
  exit 1
}

start_cluster() {
  choose_ports
  rm -rf "$RUN/etcd" && mkdir -p "$RUN/etcd"
  "$BIN/etcd" --name default --data-dir "$RUN/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "default=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync --quota-backend-bytes=1073741824 \
    </dev/null >logs/etcd.log 2>&1 &
  echo $! >pids/etcd
  local pid deadline
  pid=$(cat pids/etcd)
  deadline=$((SECONDS + 20))
  until etcd_healthy; do
    kill -0 "$pid" 2>/dev/null || { fail etcd 1; return $?; }
    [ $SECONDS -lt $deadline ] || fail etcd 0
    sleep 0.1
  done

  # No --tls-cert-file: the apiserver writes a self-signed serving cert into --cert-dir.
  "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
    --cert-dir "$RUN/certs" \
    --token-auth-file "$RUN/certs/tokens.csv" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$RUN/certs/sa.pub" \
    --service-account-signing-key-file "$RUN/certs/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 \
    --endpoint-reconciler-type none \
    --disable-admission-plugins=ServiceAccount \
    </dev/null >logs/kube-apiserver.log 2>&1 &
  echo $! >pids/kube-apiserver
  pid=$(cat pids/kube-apiserver)
  deadline=$((SECONDS + READY_TIMEOUT))
  until [ "$(api_get /readyz)" = ok ]; do
    kill -0 "$pid" 2>/dev/null || { fail kube-apiserver 1; return $?; }
    [ $SECONDS -lt $deadline ] || fail kube-apiserver 0
    sleep 0.2
  done
  until api_get /api/v1/namespaces/default >/dev/null; do
    kill -0 "$pid" 2>/dev/null || fail kube-apiserver 0
    [ $SECONDS -lt $deadline ] || fail kube-apiserver 0
    sleep 0.2
  done
}

attempt=1
until start_cluster; do
  rc=$?
  [ "$rc" = 10 ] && [ "$attempt" -lt 5 ] || exit 1
  attempt=$((attempt + 1))
  log "port clash, retrying with other ports (attempt $attempt)"
done

cat >kubeconfig <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$API_PORT
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: $TOKEN
contexts:
- name: local
  context: {cluster: local, user: admin, namespace: default}
current-context: local
EOF
chmod 600 kubeconfig

cat >env.tmp <<EOF
# generated by scripts/e2e/up.sh; stop with: RUN='$RUN' scripts/e2e/down.sh
export RUN='$RUN'
export KUBECONFIG='$RUN/kubeconfig'
export ETCD_PORT=$ETCD_PORT
export ETCD_PEER_PORT=$ETCD_PEER_PORT
export API_PORT=$API_PORT
export SAFEDIFF_E2E_API_SERVER='https://127.0.0.1:$API_PORT'
export SAFEDIFF_E2E_TOKEN='$TOKEN'
export HELM_DATA_HOME='$RUN/helm/data'
export HELM_CONFIG_HOME='$RUN/helm/config'
export HELM_CACHE_HOME='$RUN/helm/cache'
EOF
mv -f env.tmp env

log "etcd pid $(cat pids/etcd) on 127.0.0.1:$ETCD_PORT/$ETCD_PEER_PORT, kube-apiserver pid $(cat pids/kube-apiserver) on 127.0.0.1:$API_PORT; ready in $(awk -v a="$T0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')s (probe: $PROBE)"
cat env

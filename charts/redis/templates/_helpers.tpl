{{/*
Name of every object: <release>-redis, at most 52 characters so that the
StatefulSet's controller-revision-hash label fits.
*/}}
{{- define "redis.fullname" -}}
{{- $name := printf "%s-redis" .Release.Name -}}
{{- if gt (len $name) 52 -}}
{{- fail (printf "the release name %q is too long: %q must be at most 52 characters" .Release.Name $name) -}}
{{- end -}}
{{- $name -}}
{{- end -}}

{{/* Labels of the top-level objects. */}}
{{- define "redis.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{ include "redis.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Labels of the pod template and the selectors; fixed for a release. */}}
{{- define "redis.selectorLabels" -}}
app.kubernetes.io/name: redis
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of the Sentinels' pod template and selectors. */}}
{{- define "redis.sentinelSelectorLabels" -}}
app.kubernetes.io/name: redis-sentinel
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* A redis.conf value: booleans as yes/no, whole numbers bare. */}}
{{- define "redis.confValue" -}}
{{- if kindIs "bool" . -}}
{{ ternary "yes" "no" . }}
{{- else if and (kindIs "float64" .) (eq . (floor .)) -}}
{{ int64 . }}
{{- else -}}
{{ toString . }}
{{- end -}}
{{- end -}}

{{/* Fails with a clear message when the values cannot work. */}}
{{- define "redis.validate" -}}
{{- $v := .Values -}}
{{- with $v.replicaOf.host -}}
{{- if not (regexMatch "^[A-Za-z0-9._:-]+$" (toString .)) -}}
{{- fail (printf "replicaOf.host %q is not a host name or address" (toString .)) -}}
{{- end -}}
{{- if not $v.replicaOf.port -}}
{{- fail "replicaOf.host is set but replicaOf.port is empty" -}}
{{- end -}}
{{- end -}}
{{- if lt (int $v.replicas) 0 -}}
{{- fail (printf "replicas must be 0 or more, not %v" $v.replicas) -}}
{{- end -}}
{{- if and (gt (int $v.replicas) 0) (or (gt (int $v.replicas) 1) $v.sentinel.enabled $v.cluster.enabled) (ne (len $v.members.hosts) (int $v.replicas)) -}}
{{- fail (printf "replicas is %d: members.hosts must list the host of each pod, pod 0 first (%d given); it is required with more than one pod, with sentinel.enabled and with cluster.enabled" (int $v.replicas) (len $v.members.hosts)) -}}
{{- end -}}
{{- range $v.members.hosts -}}
{{- if not (regexMatch "^[A-Za-z0-9._:-]+$" (toString .)) -}}
{{- fail (printf "members.hosts: %q is not a host name or address" (toString .)) -}}
{{- end -}}
{{- end -}}
{{- if $v.cluster.enabled -}}
{{- if $v.replicaOf.host -}}
{{- fail "cluster.enabled: replicaOf does not apply to a cluster node (the cluster decides who replicates whom); leave replicaOf.host empty" -}}
{{- end -}}
{{- if $v.sentinel.enabled -}}
{{- fail "cluster.enabled and sentinel.enabled: a Redis Cluster fails over by itself; choose one" -}}
{{- end -}}
{{- if lt (int $v.cluster.shards) 1 -}}
{{- fail "cluster.shards must be at least 1" -}}
{{- end -}}
{{- if and $v.cluster.create (gt (int $v.replicas) 0) (gt (int $v.cluster.shards) (int $v.replicas)) -}}
{{- fail (printf "cluster.shards is %d but there are %d pods (replicas): each shard needs a pod" (int $v.cluster.shards) (int $v.replicas)) -}}
{{- end -}}
{{- end -}}
{{- if $v.sentinel.enabled -}}
{{- $s := $v.sentinel -}}
{{- if not (regexMatch "^[A-Za-z0-9._-]+$" (toString $s.masterName)) -}}
{{- fail (printf "sentinel.masterName %q: letters, digits, '.', '_' and '-' only" (toString $s.masterName)) -}}
{{- end -}}
{{- if lt (int $s.replicas) 1 -}}
{{- fail "sentinel.replicas must be at least 1" -}}
{{- end -}}
{{- if or (lt (int $s.quorum) 1) (gt (int $s.quorum) (int $s.replicas)) -}}
{{- fail (printf "sentinel.quorum %d must be between 1 and sentinel.replicas (%d)" (int $s.quorum) (int $s.replicas)) -}}
{{- end -}}
{{- if and $s.hosts (ne (len $s.hosts) (int $s.replicas)) -}}
{{- fail (printf "sentinel.hosts lists %d hosts for %d Sentinels: one per Sentinel, or none" (len $s.hosts) (int $s.replicas)) -}}
{{- end -}}
{{- range $s.hosts -}}
{{- if not (regexMatch "^[A-Za-z0-9._:-]+$" (toString .)) -}}
{{- fail (printf "sentinel.hosts: %q is not a host name or address" (toString .)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $k, $val := $v.config -}}
{{- if and (not $v.promotable) (has (lower $k) (list "replica-priority" "slave-priority" "replica-announced" "slave-announced" "cluster-replica-no-failover" "cluster-slave-no-failover" "cluster-allow-replica-migration")) -}}
{{- fail (printf "config.%s is set by promotable: false; remove it from config" $k) -}}
{{- end -}}
{{- if and $v.fenced (has (lower $k) (list "min-replicas-to-write" "min-slaves-to-write" "min-replicas-max-lag" "min-slaves-max-lag")) -}}
{{- fail (printf "config.%s is set by fenced: true; remove it from config" $k) -}}
{{- end -}}
{{- if has (lower $k) (list "bind" "port" "dir" "replicaof" "slaveof" "requirepass" "masterauth" "replica-announce-ip" "slave-announce-ip" "cluster-announce-ip" "cluster-enabled" "cluster-config-file") -}}
{{- fail (printf "config.%s is set by the chart (bind is the pod IP, port is .Values.port, dir the data volume, replicaof and the password come from replicaOf and auth.password, the announce addresses from members.hosts, cluster mode from cluster.enabled); remove it from config" $k) -}}
{{- end -}}
{{- if contains "\n" (toString $val) -}}
{{- fail (printf "config.%s must be a single line" $k) -}}
{{- end -}}
{{- end -}}
{{- end -}}

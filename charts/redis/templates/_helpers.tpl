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
{{- range $k, $val := $v.config -}}
{{- if and $v.fenced (has (lower $k) (list "min-replicas-to-write" "min-slaves-to-write" "min-replicas-max-lag" "min-slaves-max-lag")) -}}
{{- fail (printf "config.%s is set by fenced: true; remove it from config" $k) -}}
{{- end -}}
{{- if has (lower $k) (list "bind" "port" "dir" "replicaof" "slaveof" "requirepass" "masterauth") -}}
{{- fail (printf "config.%s is set by the chart (bind is the pod IP, port is .Values.port, dir the data volume, replicaof and the password come from replicaOf and auth.password); remove it from config" $k) -}}
{{- end -}}
{{- if contains "\n" (toString $val) -}}
{{- fail (printf "config.%s must be a single line" $k) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Name of every object: <release>-postgres. A StatefulSet's pods carry a
controller-revision-hash label of name + "-" + 10 characters, so the name
must stay within 52 characters.
*/}}
{{- define "postgres.fullname" -}}
{{- $name := printf "%s-postgres" .Release.Name -}}
{{- if gt (len $name) 52 -}}
{{- fail (printf "the release name %q is too long: %q must be at most 52 characters" .Release.Name $name) -}}
{{- end -}}
{{- $name -}}
{{- end -}}

{{/* Labels of the top-level objects. */}}
{{- define "postgres.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{ include "postgres.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/*
Labels of the pod template and the selectors. They never change for a
release, so a chart upgrade does not roll the pod.
*/}}
{{- define "postgres.selectorLabels" -}}
app.kubernetes.io/name: postgres
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* A string quoted for a POSIX shell: 'it'\''s'. */}}
{{- define "postgres.shquote" -}}
'{{ replace "'" "'\\''" (toString .) }}'
{{- end -}}

{{/*
A postgresql.conf value: booleans as on/off, whole numbers bare, anything
else single-quoted (backslashes doubled, quotes as '').
*/}}
{{- define "postgres.confValue" -}}
{{- if kindIs "bool" . -}}
{{ ternary "on" "off" . }}
{{- else if and (kindIs "float64" .) (eq . (floor .)) -}}
{{ int64 . }}
{{- else if or (kindIs "int" .) (kindIs "int64" .) -}}
{{ . }}
{{- else -}}
'{{ toString . | replace "\\" "\\\\" | replace "'" "''" }}'
{{- end -}}
{{- end -}}

{{/* Fails with a clear message when the values cannot work. */}}
{{- define "postgres.validate" -}}
{{- $v := .Values -}}
{{- if not $v.auth.superuserPassword -}}
{{- fail "auth.superuserPassword is required: the password of the postgres superuser (--set auth.superuserPassword=...)" -}}
{{- end -}}
{{- if not (has $v.role (list "primary" "replica")) -}}
{{- fail (printf "role must be primary or replica, not %q" (toString $v.role)) -}}
{{- end -}}
{{- if not (regexMatch "^[a-z_][a-z0-9_]*$" (toString $v.replication.user)) -}}
{{- fail (printf "replication.user %q must be a lower-case SQL identifier ([a-z_][a-z0-9_]*)" (toString $v.replication.user)) -}}
{{- end -}}
{{- if and (or $v.replication.enabled (eq $v.role "replica")) (not $v.replication.password) -}}
{{- fail "replication.password is required when replication.enabled is true or role is replica" -}}
{{- end -}}
{{- if and $v.replication.enabled (not $v.replication.allowFrom) -}}
{{- fail "replication.enabled is true but replication.allowFrom is empty: list the CIDRs replicas connect from, e.g. [10.20.0.0/16]" -}}
{{- end -}}
{{- range $v.replication.allowFrom -}}
{{- if not (regexMatch "^[0-9a-fA-F:.]+/[0-9]{1,3}$" (toString .)) -}}
{{- fail (printf "replication.allowFrom: %q is not a CIDR such as 10.20.0.0/16" (toString .)) -}}
{{- end -}}
{{- end -}}
{{- if eq $v.role "replica" -}}
{{- if not $v.replication.source.host -}}
{{- fail "role is replica but replication.source.host is empty: name the primary to copy and stream from" -}}
{{- end -}}
{{- if not $v.replication.source.port -}}
{{- fail "role is replica but replication.source.port is empty" -}}
{{- end -}}
{{- end -}}
{{- if and $v.replication.slot (not (regexMatch "^[a-z0-9_]{1,63}$" (toString $v.replication.slot))) -}}
{{- fail (printf "replication.slot %q is not a replication slot name ([a-z0-9_], at most 63 characters)" (toString $v.replication.slot)) -}}
{{- end -}}
{{- with $v.fence.group -}}
{{- if not (regexMatch "^[a-z_][a-z0-9_]{0,62}$" (toString .)) -}}
{{- fail (printf "fence.group %q must be a lower-case SQL identifier ([a-z_][a-z0-9_]*)" (toString .)) -}}
{{- end -}}
{{- end -}}
{{- if lt (int $v.replicas) 0 -}}
{{- fail (printf "replicas must be 0 or more, not %v" $v.replicas) -}}
{{- end -}}
{{- if gt (int $v.replicas) 1 -}}
{{- if ne (len $v.members.hosts) (int $v.replicas) -}}
{{- fail (printf "replicas is %d: members.hosts must list the host of each pod, pod 0 first (%d given)" (int $v.replicas) (len $v.members.hosts)) -}}
{{- end -}}
{{- if not $v.members.allowFrom -}}
{{- fail "replicas is more than 1 but members.allowFrom is empty: list the CIDRs the pods connect to each other from" -}}
{{- end -}}
{{- if not $v.replication.password -}}
{{- fail "replicas is more than 1: replication.password is required (the standbys of pod 0 replicate as replication.user)" -}}
{{- end -}}
{{- end -}}
{{- range $v.members.hosts -}}
{{- if not (regexMatch "^[A-Za-z0-9._:-]+$" (toString .)) -}}
{{- fail (printf "members.hosts: %q is not a host name or address" (toString .)) -}}
{{- end -}}
{{- end -}}
{{- range $v.members.allowFrom -}}
{{- if not (regexMatch "^[0-9a-fA-F:.]+/[0-9]{1,3}$" (toString .)) -}}
{{- fail (printf "members.allowFrom: %q is not a CIDR such as 10.0.0.0/8" (toString .)) -}}
{{- end -}}
{{- end -}}
{{- range $k, $_ := $v.config -}}
{{- if has $k (list "listen_addresses" "port" "data_directory" "config_file" "hba_file") -}}
{{- fail (printf "config.%s is set by the chart (listen_addresses is the pod IP, port is .Values.port); remove it from config" $k) -}}
{{- end -}}
{{- if not (regexMatch "^[a-z_][a-z0-9_.]*$" $k) -}}
{{- fail (printf "config: %q is not a postgresql.conf setting name" $k) -}}
{{- end -}}
{{- end -}}
{{- end -}}

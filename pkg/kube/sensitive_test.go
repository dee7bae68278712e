package kube_test

import (
	"testing"

	"github.com/safediff/safediff/pkg/kube"
)

func TestSensitive(t *testing.T) {
	const lastApplied = `metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]`
	tests := []struct {
		name   string
		group  string
		kind   string
		path   string
		want   bool
		reason string
	}{
		// Secrets: everything but identity, type, labels and Helm's annotations
		{"secret data key", "", "Secret", "data.password", true,
			"Secret data is the secret"},
		{"secret data map", "", "Secret", "data", true,
			"the whole data map holds every value"},
		{"secret stringData", "", "Secret", "stringData.password", true,
			"stringData is data written in clear"},
		{"secret unknown field", "", "Secret", "spec.anything", true,
			"a field the rules do not know is hidden by default"},
		{"secret elided path", "", "Secret", "...password", true,
			"a path whose place is unknown may be in data"},
		{"secret elided label-like path", "", "Secret", "...labels.app", true,
			"even a label-looking elided path may be a data key called labels"},
		{"secret unknown key", "", "Secret", "data.?", true,
			"an unknown key of data is data"},
		{"secret whole metadata", "", "Secret", "metadata", true,
			"metadata holds annotations, which may hold the last-applied copy"},
		{"a list's items", "", "SecretList", "items", true,
			"helm creates each item: a SecretList's are Secrets"},
		{"a list's other field", "", "SecretList", "tems", true,
			"a misspelt items key holds the same values"},
		{"a list's name", "", "SecretList", "metadata.name", false,
			"the list's identity"},
		{"a list's kind", "", "List", "kind", false,
			"the list's identity"},
		{"secret name", "", "Secret", "metadata.name", false,
			"the name is identity, needed to say what changes"},
		{"secret namespace", "", "Secret", "metadata.namespace", false,
			"identity"},
		{"secret labels", "", "Secret", "metadata.labels", false,
			"labels are for selection, not secrets"},
		{"secret label", "", "Secret", `metadata.labels["app.kubernetes.io/name"]`, false,
			"one label"},
		{"secret type", "", "Secret", "type", false,
			"the type says what kind of secret, not its content"},
		{"secret kind", "", "Secret", "kind", false,
			"identity"},
		{"secret immutable", "", "Secret", "immutable", false,
			"a flag, not content"},
		{"secret helm annotation", "", "Secret", `metadata.annotations["meta.helm.sh/release-name"]`, false,
			"Helm's ownership bookkeeping"},
		{"secret helm hook", "", "Secret", `metadata.annotations["helm.sh/hook"]`, false,
			"Helm's hook annotations"},
		{"secret other annotation", "", "Secret", "metadata.annotations.note", true,
			"other annotations of a Secret may carry data"},
		{"secret annotations map", "", "Secret", "metadata.annotations", true,
			"the map may carry last-applied-configuration"},
		{"secret root", "", "Secret", "", false,
			"the object itself carries no value of its own"},
		{"secret in another group", "example.com", "Secret", "data.password", true,
			"the group may be an altered header's while the document's apiVersion is out of view: a kind named Secret is redacted in any group"},
		{"another kind in another group", "example.com", "Secrets", "data.password", false,
			"only the kind Secret: a custom resource of another name keeps its values shown"},

		// last-applied-configuration copies the whole object
		{"last applied on a deployment", "apps", "Deployment", lastApplied, true,
			"it copies the whole object"},
		{"last applied on a secret", "", "Secret", lastApplied, true,
			"it copies the Secret's data"},
		{"last applied on a config map", "", "ConfigMap", lastApplied, true,
			"it copies the whole object, on any kind"},
		{"last applied, elided", "apps", "Deployment", `...annotations["kubectl.kubernetes.io/last-applied-configuration"]`, true,
			"the annotation is a copy wherever its map is"},
		{"last applied right after a gap", "", "ConfigMap", `...["kubectl.kubernetes.io/last-applied-configuration"]`, true,
			"a detached annotation map shows the key right after the gap"},
		{"other annotations", "apps", "Deployment", "metadata.annotations.note", false,
			"ordinary annotations are shown"},
		{"deployment annotations map", "apps", "Deployment", "metadata.annotations", false,
			"outside Secrets the annotation map is shown; parsers redact inside subtrees"},

		// credential-named environment variables
		{"env password", "apps", "Deployment", "spec.template.spec.containers[name=app].env[name=DB_PASSWORD].value", true,
			"PASSWORD names a credential"},
		{"env password item", "apps", "Deployment", "spec.template.spec.containers[name=app].env[name=DB_PASSWORD]", true,
			"the whole item holds the value"},
		{"env token", "batch", "CronJob", "spec.jobTemplate.spec.template.spec.containers[name=job].env[name=GITHUB_TOKEN].value", true,
			"TOKEN names a credential, in any workload"},
		{"env api key", "", "Pod", "spec.containers[name=app].env[name=STRIPE_API_KEY].value", true,
			"API_KEY names a credential"},
		{"env lower case", "", "Pod", "spec.containers[name=app].env[name=db_password].value", true,
			"names match case-insensitively"},
		{"env password valueFrom", "apps", "Deployment", "spec.template.spec.containers[name=app].env[name=DB_PASSWORD].valueFrom.secretKeyRef.name", false,
			"valueFrom is a reference to a Secret, not the value"},
		{"env log level", "apps", "Deployment", "spec.template.spec.containers[name=app].env[name=LOG_LEVEL].value", false,
			"LOG_LEVEL is not a credential"},
		{"env elided", "apps", "Deployment", "...env[name=DB_PASSWORD].value", true,
			"the env step is shown though its ancestors are not"},
		{"env detached item", "apps", "Deployment", "...[name=DB_PASSWORD].value", true,
			"an item of a detached list may be an env item"},
		{"env detached item, harmless name", "apps", "Deployment", "...[name=LOG_LEVEL].value", false,
			"LOG_LEVEL is not a credential wherever it is"},
		{"env by index", "apps", "Deployment", "spec.template.spec.containers[name=app].env[0].value", false,
			"an item known only by position has no name to judge; parsers redact whole env subtrees"},

		// config maps
		{"config map api key", "", "ConfigMap", "data.api_key", true,
			"a data key named like a credential"},
		{"config map binary secret", "", "ConfigMap", "binaryData.client-secret", true,
			"binaryData too"},
		{"config map plain key", "", "ConfigMap", "data.log_level", false,
			"ordinary configuration is shown"},
		{"config map label named token", "", "ConfigMap", "metadata.labels.token", false,
			"only data keys are judged by name"},
		{"config map elided data key", "", "ConfigMap", "...data.api_key", true,
			"data is shown, only its ancestors are not"},
		{"config map detached key", "", "ConfigMap", "...api_key", true,
			"a key right after the gap may be a data key"},
		{"config map detached plain key", "", "ConfigMap", "...log_level", false,
			"not a credential name"},
		{"other kind data key", "", "Service", "data.api_key", false,
			"only ConfigMap data is judged by key name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := kube.Sensitive(tt.group, tt.kind, mustPath(t, tt.path))
			if got != tt.want {
				t.Errorf("Sensitive(%q, %q, %s) = %v, want %v\nreason: %s", tt.group, tt.kind, tt.path, got, tt.want, tt.reason)
			}
		})
	}
}

func TestCredentialName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"DB_PASSWORD", true}, {"passwd", true}, {"MYSQL_PWD", true}, {"client_secret", true},
		{"AUTH_TOKEN", true}, {"api-key", true}, {"APIKEY", true}, {"AWS_ACCESS_KEY_ID", true},
		{"tls.private_key", true}, {"GOOGLE_APPLICATION_CREDENTIALS", true},
		{"DB_PASS", true}, {"GPG_PASSPHRASE", true}, {"REDIS_AUTH", true}, {"DATABASE_URL", true}, {"SENTRY_DSN", true},
		{"ConnectionStrings__Default", true},
		{"LOG_LEVEL", false}, {"PORT", false}, {"keycloak_url", false}, {"PUBLIC_KEY", false}, {"", false},
	}
	for _, tt := range tests {
		if got := kube.CredentialName(tt.name); got != tt.want {
			t.Errorf("CredentialName(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSecretValueShown(t *testing.T) {
	const data = "c2VjcmV0LXZhbHVlLTE="
	for _, tt := range []struct {
		path, value string
		want        bool
		reason      string
	}{
		{"apiVersion", "v1", true, "the core Secret's API version"},
		{"apiVersion", data, false, "a Secret is served as v1 only"},
		{"kind", "Secret", true, "its kind"},
		{"kind", "secret", false, "kinds are case-sensitive: not a Secret's kind"},
		{"immutable", "true", true, "a boolean"},
		{"immutable", data, false, "not a boolean"},
		{"type", "kubernetes.io/tls", true, "a type"},
		{"type", "", true, "the empty type, which the API server defaults to Opaque: it shows nothing, and redacted it could not be seen to be the default"},
		{"type", "Opaque " + data, false, "whitespace: what a plain scalar continued on a data line reads"},
		{"metadata.name", "db-credentials", true, "a name"},
		{"metadata.name", data, false, "no name has capitals or '='"},
		{"metadata.generateName", "db-", true, "a generated name's prefix: a name once the suffix is added"},
		{"metadata.generateName", "db " + data, false, "no prefix of a name"},
		{"metadata.namespace", "prod", true, "a namespace"},
		{"metadata.namespace", "a.b", false, "a namespace is a DNS label"},
		{`metadata.labels["helm.sh/chart"]`, "postgresql-17.1.1", true, "a label value"},
		{"metadata.labels.app", data, false, "'=' is not a label character"},
		{"metadata.labels.app", "", true, "an empty label value is valid"},
		{`metadata.annotations["meta.helm.sh/release-name"]`, "postgresql", true, "helm's bookkeeping"},
		{`metadata.annotations["meta.helm.sh/release-name"]`, data, false, "no release name has capitals or '='"},
		{`metadata.annotations["helm.sh/hook"]`, "pre-install, pre-upgrade", true, "a hook's events, as helm reads them (comma-separated, trimmed)"},
		{`metadata.annotations["helm.sh/hook-weight"]`, "-5", true, "a hook's weight"},
		{"data.password", data, false, "a path Sensitive redacts anyway: redacted here too"},
		{"metadata.labels.app.a", "x", false, "a label's value is a string: a mapping below it is not the label's (found: a nested value printed)"},
		{"type[0]", "kubernetes.io/tls", false, "a type is a string: an item of a list below it is not the type's"},
		{"metadata.namespace.x", "1", false, "a namespace is a string: a mapping below it is not the namespace's"},
	} {
		if got := kube.SecretValueShown(mustPath(t, tt.path), tt.value); got != tt.want {
			t.Errorf("SecretValueShown(%s, %q) = %v, want %v\nreason: %s", tt.path, tt.value, got, tt.want, tt.reason)
		}
	}
}

// TestShownVersion checks the version a report shows of a Secret: one
// Kubernetes can have, or none of what the apiVersion holds.
func TestShownVersion(t *testing.T) {
	for _, tt := range []struct {
		group, kind, version, want string
		reason                     string
	}{
		{"", "Secret", "v1", "v1", "the Secret's version"},
		{"", "Secret", "v2beta1", "v2beta1", "a version Kubernetes could have (not served: judged so), holding nothing"},
		{"", "Secret", "v1#c2VjcmV0", kube.RedactedVersion, "found: '#' without a space before it is no comment; the apiVersion held the text after it, shown in a note and the JSON report"},
		{"", "secret", "V1", kube.RedactedVersion, "a kind in another case is redacted as a Secret; no version has capitals"},
		{"", "Secret", "1v", kube.RedactedVersion, "a version begins with a letter"},
		{"apps", "Deployment", "v1#x", "v1#x", "not a Secret: shown as written"},
		{"", "Secret", "", "", "no version shown"},
	} {
		if got := kube.ShownVersion(tt.group, tt.kind, tt.version); got != tt.want {
			t.Errorf("ShownVersion(%q, %q, %q) = %q, want %q\nreason: %s", tt.group, tt.kind, tt.version, got, tt.want, tt.reason)
		}
	}
}

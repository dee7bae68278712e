// Package kubeapi talks to Kubernetes API servers with the standard
// library: it reads kubeconfig files as kubectl does and makes typed
// requests (get, create, update, delete, patch) whose failures are
// [*StatusError]s that say what the server said.
//
// It exists so that safediff can lock a migration with a Lease, and dry-run
// a plan on the server, without linking k8s.io/client-go: the review path
// shares the binary and must start in a few milliseconds, and client-go's
// package initialisation (its scheme registrations) costs more than that.
//
// [Load] merges the files of $KUBECONFIG (or ~/.kube/config) with kubectl's
// rules (for every name and for current-context, the first file that sets
// it wins; relative paths are relative to the file that holds them) and
// resolves one context to a [Config]: the server, its CA (data or file),
// insecure-skip-tls-verify, tls-server-name, proxy-url, and the user's
// bearer token (token or tokenFile), client certificate and key (data or
// files) and impersonation (as, as-groups, as-uid). Credentials that need a
// program or a plugin (exec, auth-provider) and basic authentication
// (username and password) are refused with an error that names the user
// and says what to use instead. [Config.Client] builds a [Client].
package kubeapi

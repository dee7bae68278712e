package plan

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/safediff/safediff/pkg/kubeapi"
)

// AuditConfigMaps writes audit records into the cluster: one immutable
// ConfigMap per record, in the release's namespace, named
// safediff-audit-<release>-<time>-<random> and labelled
// safediff.dev/audit-release=<release>, with the record's JSON line as its
// "record.json". Immutable objects are never edited, only deleted, and one
// object per record means no write races another or grows without bound.
//
//	kubectl get configmaps -l safediff.dev/audit-release=shop -o jsonpath='{range .items[*]}{.data.record\.json}{end}'
type AuditConfigMaps struct {
	Client    *kubeapi.Client
	Namespace string
}

// AuditLabel is the label that marks audit ConfigMaps with their release.
const AuditLabel = "safediff.dev/audit-release"

func (a *AuditConfigMaps) configMap(r *Record) (map[string]any, error) {
	line, err := r.Line()
	if err != nil {
		return nil, err
	}
	suffix := make([]byte, 3)
	if _, err := rand.Read(suffix); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("safediff-audit-%s-%s-%s", r.Release, strings.ToLower(r.Time.UTC().Format("20060102t150405z")), hex.EncodeToString(suffix))
	return map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": name, "labels": map[string]any{
			AuditLabel: r.Release, "app.kubernetes.io/managed-by": "safediff",
		}},
		"immutable": true,
		"data":      map[string]any{"record.json": string(line)},
	}, nil
}

// Check asks the server, with a dry run, whether a record could be
// written: call it before the upgrade, so that missing permissions stop
// it rather than lose its record.
func (a *AuditConfigMaps) Check(ctx context.Context, r *Record) error {
	return a.create(ctx, r, true)
}

// Append writes a record.
func (a *AuditConfigMaps) Append(ctx context.Context, r *Record) error {
	return a.create(ctx, r, false)
}

func (a *AuditConfigMaps) create(ctx context.Context, r *Record, dryRun bool) error {
	cm, err := a.configMap(r)
	if err != nil {
		return err
	}
	req := kubeapi.Request{Method: "POST", Path: kubeapi.Path("", "v1", a.Namespace, "configmaps", ""), Body: cm,
		Query: url.Values{"fieldManager": {"safediff"}}}
	if dryRun {
		req.Query.Set("dryRun", "All")
	}
	if err := a.Client.Do(ctx, req, nil); err != nil {
		return fmt.Errorf("audit ConfigMap in namespace %s: %w", a.Namespace, err)
	}
	return nil
}

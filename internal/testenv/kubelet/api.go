package kubelet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/safediff/safediff/pkg/kubeapi"
)

// errNotFound is a 404 from the API server.
var errNotFound = errors.New("not found")

// client reads one API server.
type client struct {
	cluster Cluster
	api     *kubeapi.Client
}

func newClient(c Cluster) *client {
	// The test API servers have self-signed certificates; their
	// kubeconfigs say insecure-skip-tls-verify too.
	api, err := (&kubeapi.Config{Context: c.Name, Server: c.Server, Token: c.Token, Insecure: true}).Client()
	if err != nil {
		// a server that is not a URL: every request fails with this
		api = &kubeapi.Client{Server: c.Server, HTTP: &http.Client{Transport: failing{err}}}
	}
	api.HTTP.Timeout = 10 * time.Second
	api.UserAgent = "safediff-test-kubelet"
	return &client{cluster: c, api: api}
}

// failing is a transport that fails every request with err.
type failing struct{ err error }

func (f failing) RoundTrip(*http.Request) (*http.Response, error) { return nil, f.err }

// Get decodes the JSON answer of c's API server to GET path into v, as
// the double reads the API (bearer token, no certificate check).
func (c Cluster) Get(ctx context.Context, path string, v any) error {
	cl := newClient(c)
	defer cl.closeIdle()
	return cl.get(ctx, path, v)
}

func (c *client) closeIdle() { c.api.HTTP.CloseIdleConnections() }

// get decodes the JSON answer to GET path into v; a 404 wraps errNotFound.
func (c *client) get(ctx context.Context, path string, v any) error {
	err := c.api.Get(ctx, path, v)
	if kubeapi.IsNotFound(err) {
		return fmt.Errorf("GET %s: %w", path, errNotFound)
	}
	return err
}

// data returns the data of a ConfigMap or Secret (kind "configmaps" or
// "secrets"), errNotFound when there is none.
func (c *client) data(ctx context.Context, kind, namespace, name string) (map[string][]byte, error) {
	path := "/api/v1/namespaces/" + url.PathEscape(namespace) + "/" + kind + "/" + url.PathEscape(name)
	var obj struct {
		Data       map[string]json.RawMessage `json:"data"`
		BinaryData map[string][]byte          `json:"binaryData"`
	}
	if err := c.get(ctx, path, &obj); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for k, raw := range obj.Data {
		if kind == "secrets" {
			var b []byte // base64 in the JSON
			if err := json.Unmarshal(raw, &b); err != nil {
				return nil, fmt.Errorf("secret %s/%s key %s: %v", namespace, name, k, err)
			}
			out[k] = b
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("configmap %s/%s key %s: %v", namespace, name, k, err)
		}
		out[k] = []byte(s)
	}
	for k, b := range obj.BinaryData {
		out[k] = b
	}
	return out, nil
}

// The parts of the API objects the double reads.

type objectMeta struct {
	Name              string `json:"name"`
	Namespace         string `json:"namespace"`
	DeletionTimestamp string `json:"deletionTimestamp,omitempty"`
}

// workload is a StatefulSet or a Deployment.
type workload struct {
	Metadata objectMeta `json:"metadata"`
	Spec     struct {
		Replicas             *int32          `json:"replicas"`
		Template             json.RawMessage `json:"template"`
		VolumeClaimTemplates []struct {
			Metadata objectMeta `json:"metadata"`
		} `json:"volumeClaimTemplates"`
	} `json:"spec"`
}

type podTemplate struct {
	Spec podSpec `json:"spec"`
}

type podSpec struct {
	InitContainers []container `json:"initContainers"`
	Containers     []container `json:"containers"`
	Volumes        []volume    `json:"volumes"`
}

type container struct {
	Name         string          `json:"name"`
	Command      []string        `json:"command"`
	Args         []string        `json:"args"`
	WorkingDir   string          `json:"workingDir"` // not supported: refused
	Env          []envVar        `json:"env"`
	EnvFrom      []envFromSource `json:"envFrom"`
	VolumeMounts []volumeMount   `json:"volumeMounts"`
}

type envVar struct {
	Name      string `json:"name"`
	Value     string `json:"value"`
	ValueFrom *struct {
		FieldRef *struct {
			FieldPath string `json:"fieldPath"`
		} `json:"fieldRef"`
		ConfigMapKeyRef *keyRef `json:"configMapKeyRef"`
		SecretKeyRef    *keyRef `json:"secretKeyRef"`
	} `json:"valueFrom"`
}

type keyRef struct {
	Name     string `json:"name"`
	Key      string `json:"key"`
	Optional *bool  `json:"optional"`
}

type envFromSource struct {
	Prefix       string  `json:"prefix"`
	ConfigMapRef *objRef `json:"configMapRef"`
	SecretRef    *objRef `json:"secretRef"`
}

type objRef struct {
	Name     string `json:"name"`
	Optional *bool  `json:"optional"`
}

type volumeMount struct {
	Name      string `json:"name"`
	MountPath string `json:"mountPath"`
	SubPath   string `json:"subPath"` // not supported: refused
}

type volume struct {
	Name      string `json:"name"`
	ConfigMap *struct {
		Name string `json:"name"`
		projection
	} `json:"configMap"`
	Secret *struct {
		SecretName string `json:"secretName"`
		projection
	} `json:"secret"`
	EmptyDir *struct{} `json:"emptyDir"`
	// other is the first volume source the double does not support.
	other string
}

// projection is what configMap and secret volumes have in common.
type projection struct {
	Items       []json.RawMessage `json:"items"` // not supported: refused
	DefaultMode *int32            `json:"defaultMode"`
	Optional    *bool             `json:"optional"`
}

func (v *volume) UnmarshalJSON(b []byte) error {
	type plain volume
	if err := json.Unmarshal(b, (*plain)(v)); err != nil {
		return err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return err
	}
	var other []string
	for k := range keys {
		switch k {
		case "name", "configMap", "secret", "emptyDir":
		default:
			other = append(other, k)
		}
	}
	sort.Strings(other)
	if len(other) > 0 {
		v.other = other[0]
	}
	return nil
}

// templateHash identifies a pod template: a hash of its JSON with the keys
// sorted, so only a change of content changes it.
func templateHash(raw json.RawMessage) (string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", err
	}
	canon, err := json.Marshal(v) // maps marshal with sorted keys
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:8]), nil
}

func isTrue(b *bool) bool { return b != nil && *b }

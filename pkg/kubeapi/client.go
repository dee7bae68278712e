package kubeapi

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client makes requests to one API server.
type Client struct {
	// Server is the API server's URL, without a trailing slash.
	Server string
	// HTTP carries the requests: TLS (the CA, the client certificate) and
	// the proxy are set up in its transport.
	HTTP *http.Client
	// Header is added to every request (Authorization, Impersonate-*).
	Header http.Header
	// UserAgent names the caller (default "safediff").
	UserAgent string
}

// DefaultTimeout bounds a request of a Client made by [Config.Client],
// unless its context ends sooner.
const DefaultTimeout = 30 * time.Second

// Client builds a client for the context.
func (c *Config) Client() (*Client, error) {
	u, err := url.Parse(c.Server)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("context %q: server %q is not an http(s) URL", c.Context, c.Server)
	}
	tlsCfg := &tls.Config{InsecureSkipVerify: c.Insecure, ServerName: c.ServerName, MinVersion: tls.VersionTLS12}
	if len(c.CAData) > 0 && !c.Insecure {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(c.CAData) {
			return nil, fmt.Errorf("context %q: the certificate authority holds no PEM certificate", c.Context)
		}
		tlsCfg.RootCAs = pool
	}
	if len(c.CertData) > 0 {
		cert, err := tls.X509KeyPair(c.CertData, c.KeyData)
		if err != nil {
			return nil, fmt.Errorf("context %q: client certificate: %v", c.Context, err)
		}
		tlsCfg.Certificates = []tls.Certificate{cert}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	if c.ProxyURL != "" {
		p, err := url.Parse(c.ProxyURL)
		if err != nil {
			return nil, fmt.Errorf("context %q: proxy-url %q: %v", c.Context, c.ProxyURL, err)
		}
		tr.Proxy = http.ProxyURL(p)
	}
	h := http.Header{}
	if c.Token != "" {
		h.Set("Authorization", "Bearer "+c.Token)
	}
	if c.Impersonate != "" {
		h.Set("Impersonate-User", c.Impersonate)
		for _, g := range c.ImpersonateGroups {
			h.Add("Impersonate-Group", g)
		}
		if c.ImpersonateUID != "" {
			h.Set("Impersonate-Uid", c.ImpersonateUID)
		}
	}
	return &Client{Server: strings.TrimSuffix(c.Server, "/"), HTTP: &http.Client{Transport: tr, Timeout: DefaultTimeout}, Header: h}, nil
}

// Request is one API request.
type Request struct {
	Method string
	// Path is the resource's path, e.g. /api/v1/namespaces/default/pods;
	// see [Path].
	Path string
	// Query holds parameters such as dryRun=All or fieldManager.
	Query url.Values
	// Body is marshalled to JSON unless it is a []byte, which is sent as
	// it is; nil sends no body.
	Body any
	// ContentType defaults to application/json when there is a body
	// (application/apply-patch+yaml, application/merge-patch+json, …).
	ContentType string
	// Accept is the media type asked for, application/json by default
	// (…;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1 asks a list for
	// its objects' metadata alone).
	Accept string
}

// StatusError is an answer other than 2xx: the HTTP status and, when the
// server sent one, its Status object's reason and message.
type StatusError struct {
	Method, Path string
	Code         int
	// Reason is the Status reason, e.g. NotFound, AlreadyExists, Conflict,
	// Forbidden, Invalid; empty when the body was not a Status.
	Reason  string
	Message string
	// Causes are the Status details' causes: for an Invalid answer, the
	// fields the server refused and why.
	Causes []Cause
}

// Cause is one cause of a Status: a field and what is wrong with it.
type Cause struct {
	// Reason is the cause's reason, e.g. FieldValueInvalid.
	Reason string `json:"reason"`
	// Message says what is wrong ("Invalid value: …: field is immutable").
	Message string `json:"message"`
	// Field is the field's path as the server prints it
	// ("spec.selector", "spec.template.spec.containers[0].image").
	Field string `json:"field"`
}

func (e *StatusError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Code)
	}
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Code, msg)
}

// reasonOf reads the reason of a StatusError in err's chain.
func reasonOf(err error, code int, reason string) bool {
	var se *StatusError
	return errors.As(err, &se) && (se.Reason == reason || (se.Reason == "" && se.Code == code))
}

// IsNotFound says whether err is a 404 (NotFound).
func IsNotFound(err error) bool { return reasonOf(err, http.StatusNotFound, "NotFound") }

// IsAlreadyExists says whether err is a create of an object that exists.
func IsAlreadyExists(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Reason == "AlreadyExists"
}

// IsInvalid says whether err is a refused object (422 Invalid): a field
// the server does not accept, in [StatusError.Causes].
func IsInvalid(err error) bool { return reasonOf(err, http.StatusUnprocessableEntity, "Invalid") }

// IsConflict says whether err is an update whose resourceVersion is not
// the object's current one (409 Conflict): read it again and retry.
func IsConflict(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Code == http.StatusConflict && se.Reason != "AlreadyExists"
}

// MaxResponse bounds the body of an answer that is read.
const MaxResponse = 64 << 20

// Do sends a request and decodes a 2xx answer's JSON into out (nil
// discards it). Any other answer is a [*StatusError].
func (c *Client) Do(ctx context.Context, r Request, out any) error {
	var body io.Reader
	ct := r.ContentType
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			return fmt.Errorf("%s %s: %v", r.Method, r.Path, err)
		}
		body = bytes.NewReader(js)
	}
	if body != nil && ct == "" {
		ct = "application/json"
	}
	u := c.Server + r.Path
	if len(r.Query) > 0 {
		u += "?" + r.Query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u, body)
	if err != nil {
		return err
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", cmp.Or(r.Accept, "application/json"))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	ua := c.UserAgent
	if ua == "" {
		ua = "safediff"
	}
	req.Header.Set("User-Agent", ua)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.Method, r.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", r.Method, r.Path, err)
	}
	if len(data) > MaxResponse {
		return fmt.Errorf("%s %s: the answer is larger than %d bytes", r.Method, r.Path, MaxResponse)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := &StatusError{Method: r.Method, Path: r.Path, Code: resp.StatusCode}
		var st struct {
			Kind    string `json:"kind"`
			Reason  string `json:"reason"`
			Message string `json:"message"`
			Details struct {
				Causes []Cause `json:"causes"`
			} `json:"details"`
		}
		if json.Unmarshal(data, &st) == nil && st.Kind == "Status" {
			se.Reason, se.Message, se.Causes = st.Reason, st.Message, st.Details.Causes
		} else {
			se.Message = strings.TrimSpace(string(data))
			if len(se.Message) > 512 {
				se.Message = se.Message[:512] + "…"
			}
		}
		return se
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decoding the answer: %w", r.Method, r.Path, err)
	}
	return nil
}

// Get reads the object at path into out.
func (c *Client) Get(ctx context.Context, path string, out any) error {
	return c.Do(ctx, Request{Method: http.MethodGet, Path: path}, out)
}

// Create posts obj to the collection at path and reads the created object
// into out (nil discards it).
func (c *Client) Create(ctx context.Context, path string, obj, out any) error {
	return c.Do(ctx, Request{Method: http.MethodPost, Path: path, Body: obj}, out)
}

// Update puts obj at path. obj carries metadata.resourceVersion of the
// version it was read at; when the object changed since, the answer is a
// conflict ([IsConflict]) and nothing is written.
func (c *Client) Update(ctx context.Context, path string, obj, out any) error {
	return c.Do(ctx, Request{Method: http.MethodPut, Path: path, Body: obj}, out)
}

// Delete deletes the object at path.
func (c *Client) Delete(ctx context.Context, path string) error {
	return c.Do(ctx, Request{Method: http.MethodDelete, Path: path}, nil)
}

// Path builds a resource path: group "" is the core API (/api/v1), others
// are under /apis/<group>/<version>; namespace "" is cluster-scoped or all
// namespaces; name "" is the collection. Each part is escaped.
func Path(group, version, namespace, resource, name string) string {
	var b strings.Builder
	if group == "" {
		b.WriteString("/api/" + url.PathEscape(version))
	} else {
		b.WriteString("/apis/" + url.PathEscape(group) + "/" + url.PathEscape(version))
	}
	if namespace != "" {
		b.WriteString("/namespaces/" + url.PathEscape(namespace))
	}
	b.WriteString("/" + url.PathEscape(resource))
	if name != "" {
		b.WriteString("/" + url.PathEscape(name))
	}
	return b.String()
}

package kubeapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// pki is a throw-away CA with a server and a client certificate.
type pki struct {
	caPEM             []byte
	server            tls.Certificate
	clientPEM, keyPEM []byte
	pool              *x509.CertPool
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey := key()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(tmpl *x509.Certificate) ([]byte, []byte) {
		k := key()
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kd, _ := x509.MarshalECPrivateKey(k)
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd})
	}
	p := &pki{caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	sc, sk := issue(&x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "api"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)})
	if p.server, err = tls.X509KeyPair(sc, sk); err != nil {
		t.Fatal(err)
	}
	p.clientPEM, p.keyPEM = issue(&x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "alice"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)})
	return p
}

// fakeAPI stores objects by path with resourceVersions, answering as an
// API server does (Status bodies, conflicts); it records who called.
type fakeAPI struct {
	mu      sync.Mutex
	objects map[string]map[string]any
	rv      int
	callers []string // the client certificate's CN or the bearer token
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	who := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		who = r.TLS.PeerCertificates[0].Subject.CommonName
	}
	if imp := r.Header.Get("Impersonate-User"); imp != "" {
		who += " as " + imp + " " + strings.Join(r.Header.Values("Impersonate-Group"), "+")
	}
	f.callers = append(f.callers, who)
	status := func(code int, reason, msg string) {
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason, "message": msg, "code": code})
	}
	if who == "" {
		status(401, "Unauthorized", "Unauthorized")
		return
	}
	body, _ := io.ReadAll(r.Body)
	var obj map[string]any
	if len(body) > 0 {
		if err := json.Unmarshal(body, &obj); err != nil {
			status(400, "BadRequest", err.Error())
			return
		}
	}
	meta := func(o map[string]any) map[string]any {
		m, _ := o["metadata"].(map[string]any)
		if m == nil {
			m = map[string]any{}
			o["metadata"] = m
		}
		return m
	}
	switch r.Method {
	case http.MethodGet:
		o, ok := f.objects[r.URL.Path]
		if !ok {
			status(404, "NotFound", "not found")
			return
		}
		json.NewEncoder(w).Encode(o)
	case http.MethodPost:
		name, _ := meta(obj)["name"].(string)
		p := r.URL.Path + "/" + name
		if _, ok := f.objects[p]; ok {
			status(409, "AlreadyExists", name+" already exists")
			return
		}
		f.rv++
		meta(obj)["resourceVersion"] = itoa(f.rv)
		f.objects[p] = obj
		w.WriteHeader(201)
		json.NewEncoder(w).Encode(obj)
	case http.MethodPut:
		cur, ok := f.objects[r.URL.Path]
		if !ok {
			status(404, "NotFound", "not found")
			return
		}
		if meta(obj)["resourceVersion"] != meta(cur)["resourceVersion"] {
			status(409, "Conflict", "the object has been modified; please apply your changes to the latest version and try again")
			return
		}
		f.rv++
		meta(obj)["resourceVersion"] = itoa(f.rv)
		f.objects[r.URL.Path] = obj
		json.NewEncoder(w).Encode(obj)
	case http.MethodDelete:
		delete(f.objects, r.URL.Path)
		json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "status": "Success"})
	default:
		w.WriteHeader(405)
		io.WriteString(w, "not allowed")
	}
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }

func startAPI(t *testing.T, p *pki, clientAuth tls.ClientAuthType) (*httptest.Server, *fakeAPI) {
	f := &fakeAPI{objects: map[string]map[string]any{}}
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{p.server}, ClientAuth: clientAuth, ClientCAs: p.pool}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, f
}

type lease struct {
	Metadata struct {
		Name            string `json:"name"`
		ResourceVersion string `json:"resourceVersion,omitempty"`
	} `json:"metadata"`
	Spec struct {
		Holder string `json:"holderIdentity"`
	} `json:"spec"`
}

func TestClientCRUDAndStatusErrors(t *testing.T) {
	p := newPKI(t)
	srv, api := startAPI(t, p, tls.NoClientCert)
	c, err := (&Config{Context: "t", Server: srv.URL + "/", CAData: p.caPEM, Token: "tok"}).Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	coll := Path("coordination.k8s.io", "v1", "ns", "leases", "")
	var l lease
	l.Metadata.Name = "m"
	l.Spec.Holder = "a"
	var created lease
	if err := c.Create(ctx, coll, l, &created); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, coll, l, nil); !IsAlreadyExists(err) || IsConflict(err) {
		t.Errorf("a second create: %v, want AlreadyExists (and not a Conflict)", err)
	}
	stale := created
	created.Spec.Holder = "b"
	if err := c.Update(ctx, coll+"/m", created, &created); err != nil {
		t.Fatal(err)
	}
	stale.Spec.Holder = "c"
	err = c.Update(ctx, coll+"/m", stale, nil)
	if !IsConflict(err) {
		t.Errorf("an update at an old resourceVersion: %v, want a conflict", err)
	}
	if !strings.Contains(err.Error(), "PUT /apis/coordination.k8s.io/v1/namespaces/ns/leases/m: 409 the object has been modified") {
		t.Errorf("the error says what was asked and what the server said: %v", err)
	}
	var got lease
	if err := c.Get(ctx, coll+"/m", &got); err != nil || got.Spec.Holder != "b" {
		t.Errorf("get: %+v %v", got, err)
	}
	if err := c.Delete(ctx, coll+"/m"); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(ctx, coll+"/m", &got); !IsNotFound(err) {
		t.Errorf("get after delete: %v", err)
	}
	if err := c.Do(ctx, Request{Method: "PATCH", Path: "/x"}, nil); err == nil || !strings.Contains(err.Error(), "405 not allowed") {
		t.Errorf("a non-Status error body is kept: %v", err)
	}
	if api.callers[0] != "tok" {
		t.Errorf("the bearer token was not sent: %v", api.callers)
	}
}

func TestClientTLS(t *testing.T) {
	p := newPKI(t)
	srv, api := startAPI(t, p, tls.VerifyClientCertIfGiven)
	ctx := context.Background()
	get := func(c *Config) error {
		cl, err := c.Client()
		if err != nil {
			return err
		}
		return cl.Get(ctx, "/api/v1/namespaces/x", nil)
	}
	for _, tc := range []struct {
		reason string
		cfg    Config
		want   string // "" for a 404 from the server: the request got through
	}{
		{"no CA: the system roots do not know the test CA", Config{Server: srv.URL, Token: "t"}, "certificate"},
		{"the CA", Config{Server: srv.URL, CAData: p.caPEM, Token: "t"}, ""},
		{"insecure-skip-tls-verify", Config{Server: srv.URL, Insecure: true, Token: "t"}, ""},
		{"a wrong server name", Config{Server: srv.URL, CAData: p.caPEM, ServerName: "other", Token: "t"}, "certificate"},
		{"a client certificate is the identity", Config{Server: srv.URL, CAData: p.caPEM, CertData: p.clientPEM, KeyData: p.keyPEM}, ""},
		{"no credentials: 401", Config{Server: srv.URL, CAData: p.caPEM}, "401 Unauthorized"},
		{"a CA that is not PEM", Config{Server: srv.URL, CAData: []byte("nope")}, "no PEM certificate"},
		{"not a URL", Config{Server: "api:6443"}, "not an http(s) URL"},
		{"impersonation headers", Config{Server: srv.URL, CAData: p.caPEM, Token: "t", Impersonate: "bob", ImpersonateGroups: []string{"g1", "g2"}}, ""},
	} {
		err := get(&tc.cfg)
		switch {
		case tc.want == "" && !IsNotFound(err):
			t.Errorf("%s: %v, want the server's 404", tc.reason, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want %q", tc.reason, err, tc.want)
		}
	}
	want := []string{"t", "t", "alice", "", "t as bob g1+g2"}
	if strings.Join(api.callers, ",") != strings.Join(want, ",") {
		t.Errorf("callers %q, want %q", api.callers, want)
	}
}

func TestPath(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Path("", "v1", "", "namespaces", "a b"), "/api/v1/namespaces/a%20b"},
		{Path("", "v1", "ns", "configmaps", ""), "/api/v1/namespaces/ns/configmaps"},
		{Path("coordination.k8s.io", "v1", "ns", "leases", "l"), "/apis/coordination.k8s.io/v1/namespaces/ns/leases/l"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
}

// A refused object's Status names the fields: StatusError keeps them.
func TestStatusCauses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(422)
		io.WriteString(w, `{"kind":"Status","status":"Failure","reason":"Invalid","code":422,
			"message":"Deployment.apps \"web\" is invalid: spec.selector: Invalid value: {}: field is immutable",
			"details":{"causes":[{"reason":"FieldValueInvalid","message":"Invalid value: {}: field is immutable","field":"spec.selector"}]}}`)
	}))
	defer srv.Close()
	c := &Client{Server: srv.URL, HTTP: srv.Client()}
	err := c.Do(context.Background(), Request{Method: "PATCH", Path: "/apis/apps/v1/namespaces/n/deployments/web", Body: []byte("{}")}, nil)
	var se *StatusError
	if !IsInvalid(err) || IsNotFound(err) || !errors.As(err, &se) || len(se.Causes) != 1 ||
		se.Causes[0] != (Cause{Reason: "FieldValueInvalid", Message: "Invalid value: {}: field is immutable", Field: "spec.selector"}) {
		t.Errorf("%#v", err)
	}
}

package plan

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

// Secret digests: the values, the chart and the rendered manifests may
// hold secrets (a password given with --set, a Secret's data), and a plain
// hash of them would let whoever reads the plan confirm a guess at the
// cost of one hash. They are therefore digested with PBKDF2-HMAC-SHA256,
// salted per plan, at the iteration count OWASP recommends for it: a
// guess costs about as much as the whole digest (0.15 s on one core), and
// a digest made for one plan says nothing about another. Each digest
// covers a whole text (all the rendered manifests at once, all the values
// at once), never one Secret or one value on its own.
const (
	// DigestAlgorithm names the secret digest in plan files.
	DigestAlgorithm = "pbkdf2-hmac-sha256"
	// DigestIterations is the PBKDF2 iteration count of new plans; a plan
	// with fewer is refused, so that no plan file makes guessing cheap.
	DigestIterations = 600_000
	saltBytes        = 16
)

// Digests are the secret digests of what was rendered, with their salt.
type Digests struct {
	Algorithm  string `json:"algorithm"`
	Iterations int    `json:"iterations"`
	Salt       string `json:"salt"`
	// Chart covers the chart (metadata, templates, default values, files)
	// as helm loaded it; Values the values given by the user (values
	// files, --set and its kin), merged as helm merges them; Manifests
	// the rendered manifests, hooks included, in helm's order.
	Chart     string `json:"chart"`
	Values    string `json:"values"`
	Manifests string `json:"manifests"`
}

// newSalt returns a fresh random salt.
func newSalt() (string, error) {
	b := make([]byte, saltBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// secretDigest digests content with the salt and iteration count of d.
func (d *Digests) secretDigest(content []byte) (string, error) {
	if d.Algorithm != DigestAlgorithm {
		return "", fmt.Errorf("unknown digest algorithm %q (want %s)", d.Algorithm, DigestAlgorithm)
	}
	if d.Iterations < DigestIterations {
		return "", fmt.Errorf("the digests use %d iterations, fewer than the %d that keep a guessed secret from being confirmed cheaply", d.Iterations, DigestIterations)
	}
	salt, err := base64.StdEncoding.DecodeString(d.Salt)
	if err != nil || len(salt) < saltBytes {
		return "", fmt.Errorf("the digest salt is not %d bytes of base64", saltBytes)
	}
	sum := sha256.Sum256(content)
	key, err := pbkdf2.Key(sha256.New, string(sum[:]), salt, d.Iterations, sha256.Size)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(key), nil
}

// secretDigests digests several contents at once (each digest takes a
// core for a while).
func (d *Digests) secretDigests(contents ...[]byte) ([]string, error) {
	out := make([]string, len(contents))
	errs := make([]error, len(contents))
	var wg sync.WaitGroup
	for i, c := range contents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = d.secretDigest(c)
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// sameDigest compares digests in constant time.
func sameDigest(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }

// PlainDigest is the SHA-256 of data that holds no secret (the rules, a
// plan file), as "sha256:<hex>".
func PlainDigest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// canonicalJSON re-encodes JSON with sorted keys and exact numbers, so
// that equal documents digest equally whatever their spacing.
func canonicalJSON(js []byte) ([]byte, error) {
	if len(bytes.TrimSpace(js)) == 0 {
		return []byte("null"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

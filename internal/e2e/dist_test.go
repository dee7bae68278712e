package e2e

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/safediff/safediff/internal/testenv"
)

// The release archives of `make dist` (scripts/dist.sh), built once for
// this machine's platform, and served over HTTP on 127.0.0.1 as a release
// page would serve them (helm v3 installs an archive URL only when the
// server says application/gzip).
var dist struct {
	once    sync.Once
	err     error
	dir     string
	version string
	url     string
	keyring string // the public keyring of the key that signed the helm v4 archives
	gpgHome string // the GNUPGHOME whose gpg-agent stopSigningAgent ends
}

// stopSigningAgent ends the gpg-agent that signing started in its own
// GNUPGHOME: it outlives gpg, and the suite keeps its directory (and so the
// agent's socket) when a test fails.
func stopSigningAgent() {
	if dist.gpgHome == "" {
		return
	}
	if _, err := os.Stat(dist.gpgHome); err != nil {
		return // signing never started
	}
	kill := exec.Command("gpgconf", "--kill", "gpg-agent")
	kill.Env = append(os.Environ(), "GNUPGHOME="+dist.gpgHome)
	if out, err := kill.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: stopping the signing gpg-agent: %v\n%s", err, out)
	}
}

// signingKey makes a gpg key to sign the helm v4 archives with, as a
// release would, in the GNUPGHOME home of its own; it returns the exported
// public keyring (in dir) helm verifies against.
func signingKey(home, dir string) (keyring string, err error) {
	if _, err := exec.LookPath("gpg"); err != nil {
		return "", errors.New("gpg is needed to sign and verify the helm v4 plugin archive (apt-get install gnupg)")
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return "", err
	}
	env := append(os.Environ(), "GNUPGHOME="+home)
	gen := exec.Command("gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
		"--quick-gen-key", "safediff e2e <e2e@example.com>", "rsa3072", "sign", "never")
	gen.Env = env
	if out, err := gen.CombinedOutput(); err != nil {
		return "", fmt.Errorf("gpg --quick-gen-key: %v\n%s", err, out)
	}
	exp := exec.Command("gpg", "--batch", "--export", "e2e@example.com")
	exp.Env = env
	pub, err := exp.Output()
	if err != nil {
		return "", fmt.Errorf("gpg --export: %v", err)
	}
	keyring = filepath.Join(dir, "pubring.gpg")
	return keyring, os.WriteFile(keyring, pub, 0o644)
}

func distArchives(t *testing.T) (dir, version, url string) {
	t.Helper()
	if suite.skip != "" {
		t.Skip(suite.skip)
	}
	dist.once.Do(func() {
		dist.dir = filepath.Join(suite.tmp, "dist")
		home := filepath.Join(suite.tmp, "gnupg")
		dist.gpgHome = home // its agent is ended even when signingKey fails
		keyring, err := signingKey(home, suite.tmp)
		if err != nil {
			dist.err = err
			return
		}
		dist.keyring = keyring
		pass := filepath.Join(suite.tmp, "passphrase")
		if err := os.WriteFile(pass, nil, 0o600); err != nil {
			dist.err = err
			return
		}
		cmd := exec.Command("bash", filepath.Join(suite.tools.Root, "scripts", "dist.sh"))
		cmd.Env = append(os.Environ(), "DIST="+dist.dir, "PLATFORMS="+runtime.GOOS+"/"+runtime.GOARCH,
			"GNUPGHOME="+home, "SIGN_KEY=e2e@example.com", "SIGN_PASSPHRASE_FILE="+pass)
		out, err := cmd.CombinedOutput()
		if err != nil {
			dist.err = &distError{string(out), err}
			return
		}
		v, err := exec.Command("bash", filepath.Join(suite.tools.Root, "scripts", "version.sh")).Output()
		if err != nil {
			dist.err = err
			return
		}
		dist.version = strings.TrimSpace(string(v))
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, ".tgz") || strings.HasSuffix(r.URL.Path, ".tar.gz") {
				w.Header().Set("Content-Type", "application/gzip")
			}
			http.FileServer(http.Dir(dist.dir)).ServeHTTP(w, r)
		}))
		addCleanup(func() error { srv.Close(); return nil })
		dist.url = srv.URL
	})
	if dist.err != nil {
		t.Fatal(dist.err)
	}
	return dist.dir, dist.version, dist.url
}

type distError struct {
	out string
	err error
}

func (e *distError) Error() string { return "scripts/dist.sh: " + e.err.Error() + "\n" + e.out }

// freshHelm is a helm of the suite with a home of its own: no plugins.
func freshHelm(t *testing.T, h helmUnderTest) *testenv.Helm {
	t.Helper()
	return suite.cluster.NewHelm(h.Bin, t.TempDir())
}

// Every archive of make dist is listed in checksums.txt with its SHA-256.
func TestDistChecksums(t *testing.T) {
	dir, version, _ := distArchives(t)
	f, err := os.Open(filepath.Join(dir, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("checksums.txt: bad line %q", sc.Text())
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got := sha256.Sum256(data)
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s: checksum mismatch", name)
		}
		listed[name] = true
	}
	p := runtime.GOOS + "-" + runtime.GOARCH
	for _, name := range []string{"safediff_" + version + "_" + runtime.GOOS + "_" + runtime.GOARCH + ".tar.gz",
		"safediff-" + version + "-" + p + ".tgz", "safediff-" + version + "-" + p + ".tgz.prov", "safediff-helm3-" + version + "-" + p + ".tgz"} {
		if !listed[name] {
			t.Errorf("checksums.txt does not list %s", name)
		}
	}
}

// The plugin archives of make dist install with real helm, as each helm
// installs archives, and the installed plugin runs, with the version of
// the build in both helm plugin list and safediff version.
func TestDistPluginInstalls(t *testing.T) {
	dir, version, url := distArchives(t)
	p := runtime.GOOS + "-" + runtime.GOARCH
	example := filepath.Join(suite.tools.Root, "testdata", "examples", "chart-bump.diff")
	check := func(t *testing.T, h *testenv.Helm) {
		t.Helper()
		r := h.Run(nil, nil, "plugin", "list")
		wantIn(t, "helm plugin list", r.Stdout, "safediff", version)
		r = h.Run(nil, nil, "safediff", "version")
		wantExit(t, r, 0)
		if strings.TrimSpace(r.Stdout) != "safediff "+version {
			t.Errorf("helm safediff version says %q, want %q", r.Stdout, "safediff "+version)
		}
		r = h.Run(nil, nil, "safediff", "review", example, "--no-color")
		wantExit(t, r, 2)
		wantIn(t, "review", r.Stdout, "Deployment.apps/default/shop-web")
	}
	for _, hv := range suite.helms {
		t.Run("helm"+hv.name, func(t *testing.T) {
			if hv.name == "v3" {
				// helm v3 installs an archive from a URL (not from a file), with
				// plugin.yaml at the archive's root
				h := freshHelm(t, hv)
				h.MustRun(t, "plugin", "install", url+"/safediff-helm3-"+version+"-"+p+".tgz")
				check(t, h)
				return
			}
			// helm v4 verifies archives against their .prov file: the signed
			// archive installs with the signer's public keyring
			name := "safediff-" + version + "-" + p + ".tgz"
			archive := filepath.Join(dir, name)
			h := freshHelm(t, hv)
			r := h.Run(nil, nil, "plugin", "install", archive, "--keyring", dist.keyring)
			wantExit(t, r, 0)
			wantIn(t, "signed install", r.Stdout, "Signed by: safediff e2e <e2e@example.com>", "Plugin Hash Verified")
			check(t, h)
			r = h.Run(nil, nil, "plugin", "list")
			wantIn(t, "helm v4 plugin list", r.Stdout, "cli/v1", "v1") // the versioned manifest, not legacy

			// an archive changed after signing is refused
			tampered := filepath.Join(t.TempDir(), name)
			data, err := os.ReadFile(archive)
			if err != nil {
				t.Fatal(err)
			}
			prov, err := os.ReadFile(archive + ".prov")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(tampered, append(data, 0), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(tampered+".prov", prov, 0o644); err != nil {
				t.Fatal(err)
			}
			r = freshHelm(t, hv).Run(nil, nil, "plugin", "install", tampered, "--keyring", dist.keyring)
			if r.Code == 0 {
				t.Fatalf("helm v4 installed an archive whose hash does not match its provenance:\n%s", r)
			}
			wantIn(t, "tampered install", r.Stderr, "sha256 sum does not match")

			// without a .prov, helm v4 refuses unless told not to verify
			unsigned := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(unsigned, data, 0o644); err != nil {
				t.Fatal(err)
			}
			h = freshHelm(t, hv)
			r = h.Run(nil, nil, "plugin", "install", unsigned)
			if r.Code == 0 {
				t.Fatalf("helm v4 installed an unsigned archive without --verify=false:\n%s", r)
			}
			wantIn(t, "unsigned install", r.Stderr, "no provenance file")
			h.MustRun(t, "plugin", "install", unsigned, "--verify=false")
			check(t, h)

			// and from a URL (helm fetches URL.prov beside it)
			h = freshHelm(t, hv)
			r = h.Run(nil, nil, "plugin", "install", url+"/"+name, "--keyring", dist.keyring)
			wantExit(t, r, 0)
			wantIn(t, "signed URL install", r.Stdout, "Plugin Hash Verified")
			check(t, h)
		})
	}
}

// Installed from the git repository (a URL), the plugin's hook puts
// bin/safediff in place, and helm plugin update brings the next version.
// The repository is a copy of this checkout, served as file://; the hook
// builds from source with Go, or takes a release archive
// (SAFEDIFF_PLUGIN_ARCHIVE) checked against its checksums.
func TestPluginFromGitUpdates(t *testing.T) {
	distDir, version, _ := distArchives(t)
	repo := copyCheckout(t)
	git(t, repo, "init", "-q", "-b", "main")
	git(t, repo, "add", "-A")
	git(t, repo, "commit", "-q", "-m", "first")
	git(t, repo, "tag", "v0.0.1")
	current := "0.0.1" // the newest tag: what an install from the default branch builds
	for _, hv := range suite.helms {
		t.Run("helm"+hv.name, func(t *testing.T) {
			h := freshHelm(t, hv)
			args := []string{"plugin", "install", "file://" + repo}
			if hv.name == "v4" {
				args = append(args, "--verify=false") // helm v4 cannot verify a git source
			}
			h.MustRun(t, args...)
			r := h.Run(nil, nil, "safediff", "version")
			wantExit(t, r, 0)
			wantIn(t, "version after install", r.Stdout, "safediff "+current)
			r = h.Run(nil, nil, "safediff", "review", filepath.Join(suite.tools.Root, "testdata", "examples", "chart-bump.diff"))
			wantExit(t, r, 2)

			// a new release in the repository; helm plugin update pulls it
			// and the hook rebuilds
			tag := map[string]string{"v3": "v0.0.2", "v4": "v0.0.3"}[hv.name]
			if err := os.WriteFile(filepath.Join(repo, "CHANGES"), []byte(tag+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			git(t, repo, "add", "CHANGES")
			git(t, repo, "commit", "-q", "-m", tag)
			git(t, repo, "tag", tag)
			r = h.Run(nil, nil, "plugin", "update", "safediff")
			wantExit(t, r, 0)
			current = strings.TrimPrefix(tag, "v")
			r = h.Run(nil, nil, "safediff", "version")
			wantIn(t, "version after update", r.Stdout, "safediff "+current)

			// the hook with a release archive instead of Go: checked and installed
			h.MustRun(t, "plugin", "uninstall", "safediff")
			archive := filepath.Join(distDir, "safediff_"+version+"_"+runtime.GOOS+"_"+runtime.GOARCH+".tar.gz")
			r = h.Run(nil, []string{"SAFEDIFF_PLUGIN_ARCHIVE=" + archive}, args...)
			wantExit(t, r, 0)
			wantIn(t, "hook", r.Stderr+r.Stdout, "checksum of safediff_"+version)
			r = h.Run(nil, nil, "safediff", "version")
			wantIn(t, "version from the archive", r.Stdout, "safediff "+version)
		})
	}
}

// copyCheckout copies the files of this checkout that git tracks or would
// track (a new repository's first commit).
func copyCheckout(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "-C", suite.tools.Root, "ls-files", "-co", "--exclude-standard", "-z").Output()
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "safediff")
	for _, rel := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(suite.tools.Root, rel)
		fi, err := os.Lstat(src)
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		to := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			link, err := os.Readlink(src)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(link, to); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, data, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.email=e2e@example.com", "-c", "user.name=e2e"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// The completion scripts load in a real bash and complete: safediff's own
// (safediff completion bash), and helm's with the plugin installed, which
// reads the plugin's completion.yaml and runs its plugin.complete.
func TestCompletionInBash(t *testing.T) {
	if suite.skip != "" {
		t.Skip(suite.skip)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is needed to test the completion scripts")
	}
	bin := filepath.Join(suite.tmp, "safediff", "bin") // the suite's plugin build
	// bash-completion's word splitter, when the package is not installed
	const prelude = `if [ -f /usr/share/bash-completion/bash_completion ]; then . /usr/share/bash-completion/bash_completion; else
_get_comp_words_by_ref() { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
fi
complete_line() { local fn=$1; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($#-1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
  "$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null; echo "[$*] ${COMPREPLY[*]}"; }
`
	runBash := func(t *testing.T, env []string, script string) string {
		t.Helper()
		cmd := exec.Command(bash, "--norc", "--noprofile", "-c", prelude+script)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		return string(out)
	}
	t.Run("safediff", func(t *testing.T) {
		env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		out := runBash(t, env, `source <(safediff completion bash)
complete_line __start_safediff safediff rev
complete_line __start_safediff safediff review --fail-on ""
complete_line __start_safediff safediff upgrade shop ./chart --rep`)
		wantIn(t, "completions", out, "[safediff rev] review", "destructive", "never", "--report")
	})
	for _, h := range suite.helms {
		t.Run("helm"+h.name, func(t *testing.T) {
			// the suite's helm homes have the plugin installed
			link := filepath.Join(t.TempDir(), "helm")
			if err := os.Symlink(h.Bin, link); err != nil {
				t.Fatal(err)
			}
			env := append(append([]string{}, h.Env...), "PATH="+filepath.Dir(link)+string(os.PathListSeparator)+os.Getenv("PATH"))
			out := runBash(t, env, `source <(helm completion bash)
complete_line __start_helm helm safediff rev
complete_line __start_helm helm safediff review --fail-on ""
complete_line __start_helm helm safediff rules ch`)
			wantIn(t, "completions", out, "[helm safediff rev] review", "destructive", "[helm safediff rules ch] check")
			if strings.Contains(out, "Completion ended") || strings.Contains(out, ":4") {
				t.Errorf("cobra's directive leaked into the candidates:\n%s", out)
			}
		})
	}
}

package helmrun

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Freeze keeps, in dir, a copy of what helm loads to render u: the chart
// (a local directory or archive copied, a chart of a repository or a
// registry pulled once with helm pull) and the values files (-f, local
// or http(s) URLs) and --set-file files. It returns the upgrade that
// reads the copies. Every later helm run of the upgrade (the render and
// the diff that are reviewed, then helm upgrade itself) reads the same
// bytes: a values server that answers the upgrade otherwise, a chart
// published again under the same version, a file edited in the working
// tree between the review and the upgrade change nothing.
//
// A source helm reads through a getter plugin (s3://, secrets://, …)
// cannot be copied: it stays as it is, and the returned notes say that
// helm upgrade reads it again. dir must be private (0700): the copies
// may hold secrets.
func (r *Runner) Freeze(ctx context.Context, u Upgrade, dir string) (Upgrade, []string, error) {
	out, notes, err := r.freeze(ctx, u, dir)
	if err != nil {
		// helm's messages quote a repository's URL whole, password and all
		return u, nil, errors.New(u.hideValues(err.Error()))
	}
	return out, notes, nil
}

func (r *Runner) freeze(ctx context.Context, u Upgrade, dir string) (Upgrade, []string, error) {
	f := &freezer{r: r, ctx: ctx, dir: dir, copies: map[string]string{}}
	out := u
	var err error
	if out.Chart, err = f.chart(u); err != nil {
		return u, nil, err
	}
	if out.Args, err = f.values(u.Args); err != nil {
		return u, nil, err
	}
	if out.DiffArgs, err = f.values(u.DiffArgs); err != nil {
		return u, nil, err
	}
	out.Copies = map[string]string{}
	for src, c := range f.copies {
		if c != src {
			out.Copies[c] = src
		}
	}
	if out.Chart != u.Chart {
		out.Copies[out.Chart] = u.Chart
	}
	if f.pulled {
		// the chart is a local archive now: the flags that found it go
		// (helm 4 with --repo looks the archive's path up in the
		// repository)
		out.Args, out.DiffArgs = withoutFlags(out.Args, locateFlags), withoutFlags(out.DiffArgs, locateFlags)
	}
	return out, f.notes, nil
}

type freezer struct {
	r      *Runner
	ctx    context.Context
	dir    string
	n      int
	copies map[string]string // source → copy, so that the upgrade and the diff read one copy
	notes  []string
	pulled bool // the chart was pulled from a repository or registry
}

// locateFlags are the flags that say where helm finds a chart that is not
// a local path.
var locateFlags = map[string]bool{"repo": true, "version": true, "devel": true}

// withoutFlags returns args without the flags named in drop.
func withoutFlags(args []string, drop map[string]bool) []string {
	var out []string
	for _, g := range groups(args) {
		if !drop[g.long] {
			out = append(out, g.elems...)
		}
	}
	return out
}

// group is one flag of an argument list as ParseUpgrade routes it: the
// flag's long name, its elements, and its value.
type group struct {
	long     string
	elems    []string
	value    string
	hasValue bool
}

// groups splits an argument list of an Upgrade (Args or DiffArgs) into
// its flags: --long, --long=value, --long value, and the shorthand forms
// ParseUpgrade keeps (-f value, -fvalue, -f=value).
func groups(args []string) []group {
	var gs []group
	for i := 0; i < len(args); i++ {
		a := args[i]
		g := group{elems: []string{a}}
		switch {
		case strings.HasPrefix(a, "--"):
			g.long, g.value, g.hasValue = strings.Cut(a[2:], "=")
		case strings.HasPrefix(a, "-") && len(a) >= 2:
			g.long = shorthands[a[1:2]]
			if rest := a[2:]; rest != "" {
				g.value, g.hasValue = strings.TrimPrefix(rest, "="), true
			}
		}
		if spec, ok := flags[g.long]; ok && spec.value && !g.hasValue && i+1 < len(args) {
			i++
			g.elems = append(g.elems, args[i])
			g.value, g.hasValue = args[i], true
		}
		gs = append(gs, g)
	}
	return gs
}

// values returns args with the values files and --set-file files read from
// copies.
func (f *freezer) values(args []string) ([]string, error) {
	var out []string
	for _, g := range groups(args) {
		switch {
		case g.long == "values" && g.hasValue:
			v, err := f.valuesFlag(g.value)
			if err != nil {
				return nil, err
			}
			out = appendFlag(out, g, v)
		case g.long == "set-file" && g.hasValue:
			v, err := f.setFileFlag(g.value)
			if err != nil {
				return nil, err
			}
			out = appendFlag(out, g, v)
		default:
			out = append(out, g.elems...)
		}
	}
	return out, nil
}

// appendFlag appends g with the value v: as the user wrote it when v is
// its value.
func appendFlag(out []string, g group, v string) []string {
	if v == g.value {
		return append(out, g.elems...)
	}
	return append(out, "--"+g.long+"="+v)
}

// valuesFlag freezes the value of one --values flag: a comma-separated
// list, read as pflag reads a string slice (CSV).
func (f *freezer) valuesFlag(value string) (string, error) {
	paths, err := csv.NewReader(strings.NewReader(value)).Read()
	if err != nil {
		return value, nil // helm refuses it too, with its own message
	}
	for i, p := range paths {
		if paths[i], err = f.source(p, "--values "+p); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	if err := w.Write(paths); err != nil {
		return "", err
	}
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// setFileFlag freezes the files of one --set-file flag (key=path pairs,
// separated by commas). A value with a backslash (an escaped comma or
// equals sign, which helm's parser reads in its own way) stays as it is.
func (f *freezer) setFileFlag(value string) (string, error) {
	if strings.Contains(value, `\`) {
		f.notes = append(f.notes, fmt.Sprintf("--set-file %s: the files are read again by helm upgrade after the review (safediff keeps no copy of a value with escapes)", value))
		return value, nil
	}
	pairs := strings.Split(value, ",")
	for i, kv := range pairs {
		k, p, ok := strings.Cut(kv, "=")
		if !ok {
			return value, nil // helm refuses it
		}
		c, err := f.source(p, "--set-file "+kv)
		if err != nil {
			return "", err
		}
		pairs[i] = k + "=" + c
	}
	return strings.Join(pairs, ","), nil
}

// source copies one values source as helm reads it (see helm's
// pkg/cli/values readFile): a URL of a scheme helm has a getter for is
// fetched, anything else is a file. It returns the copy's path.
func (f *freezer) source(p, what string) (string, error) {
	if c, ok := f.copies[p]; ok {
		return c, nil
	}
	u, err := url.Parse(p)
	if err != nil {
		return p, nil // helm refuses it
	}
	var data []byte
	switch u.Scheme {
	case "":
		if data, err = os.ReadFile(p); err != nil {
			return p, nil // helm says why
		}
	case "http", "https":
		if data, err = f.fetch(p); err != nil {
			return "", fmt.Errorf("%s: %w", what, err)
		}
	default:
		f.notes = append(f.notes, fmt.Sprintf("%s is read again by helm upgrade after the review: safediff cannot keep a copy of what a %s:// getter returns", what, u.Scheme))
		f.copies[p] = p // noted once
		return p, nil
	}
	f.n++
	c := filepath.Join(f.dir, "values", strconv.Itoa(f.n)+filepath.Ext(u.Path))
	if err := os.MkdirAll(filepath.Dir(c), 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(c, data, 0o600); err != nil {
		return "", err
	}
	f.copies[p] = c
	return c, nil
}

// maxValuesSize bounds a fetched values file.
const maxValuesSize = 64 << 20

// fetch gets a values URL as helm's http getter does (a GET; any status
// but 200 is an error).
func (f *freezer) fetch(p string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(f.ctx, 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("failed to fetch %s: %s", p, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxValuesSize+1))
	if err == nil && len(data) > maxValuesSize {
		err = fmt.Errorf("more than %d MiB", maxValuesSize>>20)
	}
	return data, err
}

// pullFlags are the flags of helm upgrade that helm pull takes too: they
// say which chart, and how to reach its repository or registry.
var pullFlags = map[string]bool{
	"version": true, "repo": true, "devel": true, "username": true, "password": true,
	"ca-file": true, "cert-file": true, "key-file": true, "insecure-skip-tls-verify": true,
	"plain-http": true, "pass-credentials": true, "verify": true, "keyring": true,
}

// chart copies the chart of u: a local directory or archive (as helm
// finds it first: a path that exists), or one helm pulls.
func (f *freezer) chart(u Upgrade) (string, error) {
	name := strings.TrimSpace(u.Chart)
	if st, err := os.Stat(name); err == nil {
		// a directory of its own, apart from the values: the chart's name
		// is its Chart.yaml's (a chart given as ".." must not hold them)
		if st.IsDir() {
			dst := filepath.Join(f.dir, "chart", "chart")
			return dst, copyTree(name, dst, map[string]bool{})
		}
		dst := filepath.Join(f.dir, "chart", filepath.Base(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return "", err
		}
		if err := copyFile(name, dst); err != nil {
			return "", err
		}
		// the provenance file --verify reads beside the archive
		if _, err := os.Stat(name + ".prov"); err == nil {
			if err := copyFile(name+".prov", dst+".prov"); err != nil {
				return "", err
			}
		}
		return dst, nil
	}
	if filepath.IsAbs(name) || strings.HasPrefix(name, ".") {
		return u.Chart, nil // helm says the path is not found
	}
	dst := filepath.Join(f.dir, "pulled")
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return "", err
	}
	args := []string{"pull", u.Chart, "--destination", dst}
	for _, g := range groups(u.Args) {
		if pullFlags[g.long] {
			args = append(args, g.elems...)
		}
	}
	if _, err := f.r.Output(f.ctx, args...); err != nil {
		return "", fmt.Errorf("fetching the chart once for the review and the upgrade: %w", err)
	}
	tgz, err := filepath.Glob(filepath.Join(dst, "*.tgz"))
	if err != nil || len(tgz) != 1 {
		return "", fmt.Errorf("helm pull %s left %d chart archives, want one", u.Chart, len(tgz))
	}
	f.pulled = true
	return tgz[0], nil
}

// copyTree copies a chart directory, following symbolic links as helm's
// loader does (a link back to a directory being copied is an error, as a
// cycle is for helm).
func copyTree(src, dst string, open map[string]bool) error {
	src = filepath.Clean(src)
	real, err := filepath.EvalSymlinks(src)
	if err != nil {
		return err
	}
	if open[real] {
		return fmt.Errorf("the chart links %s back into itself", src)
	}
	open[real] = true
	defer delete(open, real)
	return filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(real, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		st, err := os.Stat(p) // follows a link
		if err != nil {
			return err
		}
		if st.IsDir() {
			if err := os.MkdirAll(target, 0o700); err != nil {
				return err
			}
			if d.Type()&fs.ModeSymlink != 0 {
				return copyTree(p, target, open)
			}
			return nil
		}
		if !st.Mode().IsRegular() {
			return nil // a socket, a FIFO, a device: no chart's content (reading a FIFO would wait for ever)
		}
		return copyFile(p, target)
	})
}

// copyFile copies a file of a chart with its modification time: helm 4
// keeps each file's in the chart it loads (and so in the chart a plan
// records).
func copyFile(src, dst string) error {
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		return err
	}
	return os.Chtimes(dst, st.ModTime(), st.ModTime())
}

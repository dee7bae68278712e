package kubelet

import (
	"path"
	"sort"
	"strings"
)

// expand replaces $(VAR) in s with vars[VAR], as Kubernetes does for
// env values, command and args: a reference to an undefined variable is
// left as it is, $$ is a literal $, and a $ followed by anything else, or
// a $( without its closing parenthesis, stays.
func expand(s string, vars map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch next := s[i+1]; next {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString("$(")
				i++
				continue
			}
			name := s[i+2 : i+2+end]
			if v, ok := vars[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			b.WriteByte('$')
			b.WriteByte(next)
			i++
		}
	}
	return b.String()
}

// A mount maps a path as the container sees it to a local directory (or
// file).
type mount struct {
	Path  string // mountPath, cleaned
	Local string
}

// rewriter rewrites container paths into local ones.
type rewriter []mount

// newRewriter sorts the mounts longest path first, so /a/b wins over /a.
func newRewriter(mounts []mount) rewriter {
	r := make(rewriter, len(mounts))
	for i, m := range mounts {
		r[i] = mount{Path: path.Clean(m.Path), Local: m.Local}
	}
	sort.SliceStable(r, func(i, j int) bool { return len(r[i].Path) > len(r[j].Path) })
	return r
}

// rewrite replaces every occurrence of a mount path in s that sits at path
// boundaries — it starts s or follows a character that cannot be part of
// a path (such as = : , space or a quote), and it ends s or is followed by
// / or such a character — with the mount's local path. Each part of s is
// rewritten at most once.
func (r rewriter) rewrite(s string) string {
	if len(r) == 0 || !strings.Contains(s, "/") {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if s[i] == '/' && (i == 0 || !isPathByte(s[i-1])) {
			if m, ok := r.match(s[i:]); ok {
				b.WriteString(s[last:i])
				b.WriteString(m.Local)
				i += len(m.Path)
				last = i
				continue
			}
		}
		i++
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// match finds the longest mount path that s starts with, ending at a path
// boundary.
func (r rewriter) match(s string) (mount, bool) {
	for _, m := range r {
		if !strings.HasPrefix(s, m.Path) {
			continue
		}
		if m.Path == "/" {
			if len(s) == 1 || !isPathByte(s[1]) {
				return m, true
			}
			continue
		}
		if rest := s[len(m.Path):]; rest == "" || rest[0] == '/' || !isPathByte(rest[0]) {
			return m, true
		}
	}
	return mount{}, false
}

// isPathByte says whether c can be part of a path name (or is a slash).
func isPathByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("._-~+/", c) >= 0
}

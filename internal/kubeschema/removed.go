package kubeschema

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// A removedAPI is a kind of a version of a built-in API group that
// Kubernetes no longer serves: k8s.io/api keeps its Go type, and the
// type's APILifecycleRemoved method (generated from the
// +k8s:prerelease-lifecycle-gen:removed marker) says from which release.
type removedAPI struct {
	group, version, kind string
	major, minor         int
}

// removedAPIs reads the Go source of every group version of k8s.io/api
// and returns the kinds removed by the release of Kubernetes that the
// module's version is of (v0.37.x: 1.37) or before it, sorted. A kind
// removed in a later release is still served by that one: it is left out.
func removedAPIs() ([]removedAPI, error) {
	root, minor, err := apiModule()
	if err != nil {
		return nil, err
	}
	versions, err := filepath.Glob(filepath.Join(root, "*", "*", "zz_generated.prerelease-lifecycle.go"))
	if err != nil {
		return nil, err
	}
	var out []removedAPI
	fset := token.NewFileSet()
	for _, lifecycle := range versions {
		dir := filepath.Dir(lifecycle)
		group, err := groupName(fset, filepath.Join(dir, "register.go"))
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, lifecycle, nil, 0)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Name.Name != "APILifecycleRemoved" || fn.Recv == nil || len(fn.Recv.List) != 1 || fn.Body == nil || len(fn.Body.List) != 1 {
				continue
			}
			star, ok := fn.Recv.List[0].Type.(*ast.StarExpr)
			if !ok {
				continue
			}
			recv, ok := star.X.(*ast.Ident)
			if !ok || strings.HasSuffix(recv.Name, "List") {
				continue
			}
			ret, ok := fn.Body.List[0].(*ast.ReturnStmt)
			if !ok || len(ret.Results) != 2 {
				return nil, fmt.Errorf("%s: %s.APILifecycleRemoved does not return two numbers", lifecycle, recv.Name)
			}
			var nums [2]int
			for i, r := range ret.Results {
				lit, ok := r.(*ast.BasicLit)
				if !ok || lit.Kind != token.INT {
					return nil, fmt.Errorf("%s: %s.APILifecycleRemoved does not return two numbers", lifecycle, recv.Name)
				}
				if nums[i], err = strconv.Atoi(lit.Value); err != nil {
					return nil, err
				}
			}
			if nums[0] != 1 || nums[1] > minor {
				continue // served by the release k8s.io/api is of
			}
			out = append(out, removedAPI{group: group, version: filepath.Base(dir), kind: recv.Name, major: nums[0], minor: nums[1]})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("k8s.io/api at %s: no removed API found (its lifecycle files moved?)", root)
	}
	for _, r := range deletedAPIs {
		if !slices.ContainsFunc(out, func(o removedAPI) bool {
			return o.group == r.group && o.version == r.version && o.kind == r.kind
		}) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b removedAPI) int { return compareAPIs(a.group, a.version, a.kind, b.group, b.version, b.kind) })
	return out, nil
}

// deletedAPIs are removed kinds whose Go types k8s.io/api has deleted
// since (so that no lifecycle method says when), as the Kubernetes
// deprecated API migration guide lists them
// (https://kubernetes.io/docs/reference/using-api/deprecation-guide/);
// charts of their day still hold them. CustomResourceDefinition and
// APIService are of other modules than k8s.io/api.
var deletedAPIs = []removedAPI{
	{"apiextensions.k8s.io", "v1beta1", "CustomResourceDefinition", 1, 22},
	{"apiregistration.k8s.io", "v1beta1", "APIService", 1, 22},
	{"autoscaling", "v2beta1", "HorizontalPodAutoscaler", 1, 25},
	{"autoscaling", "v2beta2", "HorizontalPodAutoscaler", 1, 26},
	{"extensions", "v1beta1", "PodSecurityPolicy", 1, 16},
	{"policy", "v1beta1", "PodSecurityPolicy", 1, 25},
}

// groupName returns the value of the GroupName constant that a group
// version's register.go declares ("" for the core group).
func groupName(fset *token.FileSet, file string) (string, error) {
	f, err := parser.ParseFile(fset, file, nil, 0)
	if err != nil {
		return "", err
	}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if name.Name != "GroupName" || i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					return strconv.Unquote(lit.Value)
				}
			}
		}
	}
	return "", fmt.Errorf("%s: no GroupName constant", file)
}

// A definedAPI is a kind of a version of a built-in API group.
type definedAPI struct {
	group, version, kind string
}

// otherDefined are the built-in kinds of modules other than k8s.io/api:
// the API server serves them as its own.
var otherDefined = []definedAPI{
	{"apiextensions.k8s.io", "v1", "CustomResourceDefinition"},
	{"apiextensions.k8s.io", "v1beta1", "CustomResourceDefinition"},
	{"apiregistration.k8s.io", "v1", "APIService"},
	{"apiregistration.k8s.io", "v1beta1", "APIService"},
}

// definedAPIs reads the register.go of every group version of k8s.io/api
// and returns the kinds it registers (list types left out), with
// otherDefined and the deleted kinds of deletedAPIs, sorted.
func definedAPIs() ([]definedAPI, error) {
	root, _, err := apiModule()
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(root, "*", "*", "register.go"))
	if err != nil {
		return nil, err
	}
	out := slices.Clone(otherDefined)
	for _, r := range deletedAPIs {
		out = append(out, definedAPI{r.group, r.version, r.kind})
	}
	fset := token.NewFileSet()
	for _, file := range files {
		group, err := groupName(fset, file)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			return nil, err
		}
		n := 0
		ast.Inspect(f, func(node ast.Node) bool {
			call, ok := node.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "AddKnownTypes" {
				return true
			}
			for _, arg := range call.Args[1:] {
				u, ok := arg.(*ast.UnaryExpr)
				if !ok || u.Op != token.AND {
					continue
				}
				lit, ok := u.X.(*ast.CompositeLit)
				if !ok {
					continue
				}
				// a type of the package itself; the list of each kind left
				// out, not the core group's List (of any objects)
				id, ok := lit.Type.(*ast.Ident)
				if !ok || strings.HasSuffix(id.Name, "List") && id.Name != "List" {
					continue
				}
				out = append(out, definedAPI{group, filepath.Base(filepath.Dir(file)), id.Name})
				n++
			}
			return false
		})
		if n == 0 {
			return nil, fmt.Errorf("%s: no kind registered (AddKnownTypes moved?)", file)
		}
	}
	slices.SortFunc(out, func(a, b definedAPI) int { return compareAPIs(a.group, a.version, a.kind, b.group, b.version, b.kind) })
	return slices.Compact(out), nil
}

// compareAPIs orders kinds by group, version and kind, as package kube
// searches them.
func compareAPIs(ag, av, ak, bg, bv, bk string) int {
	return cmp.Or(strings.Compare(ag, bg), strings.Compare(av, bv), strings.Compare(ak, bk))
}

// apiModule returns the directory of the k8s.io/api module and the minor
// release of Kubernetes it is of (v0.37.x: 37).
func apiModule() (root string, minor int, err error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", 0, err
	}
	bp, err := build.Import("k8s.io/api/apps/v1", wd, build.FindOnly)
	if err != nil {
		return "", 0, fmt.Errorf("finding the source of k8s.io/api: %w", err)
	}
	root = filepath.Dir(filepath.Dir(bp.Dir))
	// the module's directory is k8s.io/api@v0.MINOR.PATCH
	_, modVersion, ok := strings.Cut(filepath.Base(root), "@v0.")
	if !ok {
		return "", 0, fmt.Errorf("k8s.io/api at %s: not a versioned module directory", root)
	}
	if minor, err = strconv.Atoi(strings.Split(modVersion, ".")[0]); err != nil {
		return "", 0, fmt.Errorf("k8s.io/api at %s: %w", root, err)
	}
	return root, minor, nil
}

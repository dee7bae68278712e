package layers

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/safediff/safediff/"

// order is the library's layers, lowest first.
var order = []string{"pkg/diag", "pkg/kubeapi", "pkg/kube", "pkg/manifest", "pkg/diffparse", "pkg/rules", "pkg/classify", "pkg/gate", "pkg/cluster", "pkg/report", "pkg/review", "pkg/plan", "pkg/helmrun", "pkg/migrate"}

func TestImportsRunOneWay(t *testing.T) {
	all, err := filepath.Glob(filepath.Join("..", "..", "pkg", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range all {
		rel := "pkg/" + filepath.Base(dir)
		if !slices.Contains(order, rel) {
			t.Errorf("%s is in no layer: add it to order and to the package doc", rel)
		}
	}
	for i, pkg := range order {
		p, err := build.ImportDir(filepath.Join("..", "..", pkg), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			dep := strings.TrimPrefix(imp, module)
			j := slices.Index(order, dep)
			switch {
			case dep == "" || dep == ".":
				// the root package (embedded data) imports nothing
			case j < 0:
				t.Errorf("%s imports %s, which is outside the library's layers", pkg, dep)
			case j >= i:
				t.Errorf("%s imports %s, a layer above it: imports run one way (%s)", pkg, dep, strings.Join(order, " → "))
			}
		}
	}
}

func TestClassifyIsPure(t *testing.T) {
	p, err := build.ImportDir(filepath.Join("..", "..", "pkg", "classify"), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range p.Imports {
		if strings.Contains(imp, "yaml") {
			t.Errorf("classify imports %s: it reads no files", imp)
		}
	}
	fset := token.NewFileSet()
	for _, name := range p.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				for _, id := range n.Names {
					if strings.Contains(strings.ToLower(id.Name), "exit") {
						t.Errorf("classify declares %s: exit codes are the gate's", id.Name)
					}
				}
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok && x.Name == "os" && n.Sel.Name == "Exit" {
					t.Errorf("classify calls os.Exit")
				}
			}
			return true
		})
	}
}

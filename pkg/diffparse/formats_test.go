package diffparse_test

import (
	"fmt"
	"strings"
)

// Helpers that put one helm-diff entry (a header and its full-context body)
// into the streams of the wrappers that embed helm-diff, so that a test can
// check one reading in every format.

// entryRef returns the kind and name of an entry's header
// ("default, web, Deployment (apps) has changed:").
func entryRef(entry string) (kind, name, change string) {
	head := entry[:strings.IndexByte(entry, '\n')]
	parts := strings.SplitN(head, ", ", 3)
	name = parts[1]
	kind = parts[2][:strings.IndexByte(parts[2], ' ')]
	switch {
	case strings.HasSuffix(head, "has been added:"):
		change = "+"
	case strings.HasSuffix(head, "has been removed:"):
		change = "-"
	default:
		change = "~"
	}
	return kind, name, change
}

// withContext elides an entry's body as helm-diff --context n does: lines
// farther than n from every changed line collapse, each run into one "...".
func withContext(entry string, n int) string { return withContextKeeping(entry, n) }

// withContextKeeping is withContext keeping too the body lines that equal
// one of keep (with their diff prefix) or hold one after their prefix's
// indentation: a view that shows a fact far from the changes.
func withContextKeeping(entry string, n int, keep ...string) string {
	lines := strings.Split(strings.TrimSuffix(entry, "\n"), "\n")
	head, body := lines[0], lines[1:]
	changed := func(l string) bool { return strings.HasPrefix(l, "+") || strings.HasPrefix(l, "-") }
	shown := make([]bool, len(body))
	for i, l := range body {
		for _, k := range keep {
			if l == k || !strings.HasPrefix(k, "  ") && strings.Contains(l, k) {
				shown[i] = true
			}
		}
		if !changed(l) {
			continue
		}
		for j := max(0, i-n); j <= min(len(body)-1, i+n); j++ {
			shown[j] = true
		}
	}
	out := []string{head}
	for i, l := range body {
		switch {
		case shown[i]:
			out = append(out, l)
		case i == 0 || shown[i-1]:
			out = append(out, "...")
		}
	}
	return strings.Join(out, "\n") + "\n"
}

// inStevedore wraps entries of release "web" in a Stevedore plan: Stevedore
// shows five lines of context around each change, and lists each object in
// its summary tables.
func inStevedore(entries ...string) string {
	var b strings.Builder
	b.WriteString("File: web.yaml\nReleaseName: web\n")
	adds, mods, dels := 0, 0, 0
	var rows []string
	for _, e := range entries {
		b.WriteString(withContext(e, 5))
		kind, name, change := entryRef(e)
		rows = append(rows, change+kind+"/"+name)
		switch change {
		case "+":
			adds++
		case "-":
			dels++
		default:
			mods++
		}
	}
	b.WriteString("\nRelease changes:\nRELEASE   \tMANIFEST CHANGES \n")
	for i, r := range rows {
		first := ""
		switch i {
		case 0:
			first = "web"
		case 1:
			first = "(web.yaml)"
		}
		fmt.Fprintf(&b, "%s\t%s\t\n", first, r)
	}
	if len(rows) == 1 {
		b.WriteString("(web.yaml)\t\t\n")
	}
	fmt.Fprintf(&b, "\nFile changes:\nFILENAME\tADDITIONS\tMODIFICATIONS\tDESTRUCTIONS \nweb.yaml\t%d\t%d\t%d\t\n", adds, mods, dels)
	return b.String()
}

// inHelmfile puts entries under helmfile's "Comparing release=" line.
func inHelmfile(entries ...string) string {
	return "Comparing release=web, chart=./web, namespace=default\n" + strings.Join(entries, "")
}

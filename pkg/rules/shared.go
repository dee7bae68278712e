package rules

import (
	"slices"
	"sync"
	"unsafe"

	"github.com/safediff/safediff/pkg/kube"
)

// shared holds the lists that decisions of a set have in common: the
// fields and phrases a rule's unknown conditions give, and those phrases
// after the place phrase of an elided change. A review of a million
// objects makes the same few lists again and again; each is made once
// and every decision that needs it points to it. The lists are clipped
// (length = capacity), so that an append by a reader copies them: read
// them, never change them in place.
type shared struct {
	mu       sync.Mutex
	unknowns map[unknownsKey]unknownsList
	placed   map[placedKey][]string
	// lists are the phrase lists of unknowns, by their first element
	lists map[*string]bool
	// selections are the rule lists of selections (Set.Select), by the
	// rules they hold: most objects of a kind select the same rules
	selections map[string][][]indexedRule
}

// maxSelections bounds the selections kept: rules that select objects by
// name could make one per object.
const maxSelections = 1024

// unknownsKey is a rule and what each of its conditions gave (see
// [Rule.unknowns]), unknownBits bits a condition.
type unknownsKey struct {
	r    *Rule
	code uint64
}

type unknownsList struct {
	missing []kube.Path
	phrases []string
}

// placedKey is a number of places and the list the place phrase goes in
// front of (a list of unknowns, or nil).
type placedKey struct {
	places int
	list   *string
	n      int
}

func newShared() *shared {
	return &shared{unknowns: map[unknownsKey]unknownsList{}, placed: map[placedKey][]string{}, lists: map[*string]bool{},
		selections: map[string][][]indexedRule{}}
}

// selection returns the layers' rule lists of a selection: all are the
// rules selected, layer i's up to bounds[i], and key names them (their
// places in their layers). The lists are made the first time and shared.
func (sh *shared) selection(key []byte, all []indexedRule, bounds []int) [][]indexedRule {
	sh.mu.Lock()
	layers, ok := sh.selections[string(key)]
	sh.mu.Unlock()
	if ok {
		return layers
	}
	kept := slices.Clip(slices.Clone(all))
	layers = make([][]indexedRule, len(bounds))
	from := 0
	for i, to := range bounds {
		if to > from {
			layers[i] = kept[from:to:to]
		}
		from = to
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if first, ok := sh.selections[string(key)]; ok {
		return first // another worker made it meanwhile: keep one
	}
	if len(sh.selections) < maxSelections {
		sh.selections[string(key)] = layers
	}
	return layers
}

// unknownsOf returns the shared lists of rule r for code, made by build
// the first time.
func (sh *shared) unknownsOf(r *Rule, code uint64, build func() ([]kube.Path, []string)) ([]kube.Path, []string) {
	key := unknownsKey{r, code}
	sh.mu.Lock()
	l, ok := sh.unknowns[key]
	sh.mu.Unlock()
	if !ok {
		m, p := build()
		l = unknownsList{slices.Clip(m), slices.Clip(p)}
		sh.mu.Lock()
		if first, ok := sh.unknowns[key]; ok {
			l = first // another worker built it meanwhile: one list, shared
		} else {
			sh.unknowns[key] = l
			if len(p) > 0 {
				sh.lists[unsafe.SliceData(l.phrases)] = true
			}
		}
		sh.mu.Unlock()
	}
	return l.missing, l.phrases
}

// placedBefore returns the place phrase of n places followed by list: a
// shared list when list is nil or one of unknownsOf, a new one otherwise.
func (sh *shared) placedBefore(n int, list []string) []string {
	key := placedKey{n, unsafe.SliceData(list), len(list)}
	sh.mu.Lock()
	l, ok := sh.placed[key]
	known := key.list == nil || sh.lists[key.list]
	sh.mu.Unlock()
	if !known {
		return append([]string{placesPhrase(n)}, list...)
	}
	if !ok {
		l = slices.Clip(append([]string{placesPhrase(n)}, list...))
		sh.mu.Lock()
		if first, ok := sh.placed[key]; ok {
			l = first // another worker made it meanwhile
		} else {
			sh.placed[key] = l
		}
		sh.mu.Unlock()
	}
	return l
}

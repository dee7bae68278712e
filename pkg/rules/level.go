package rules

import "fmt"

// Level is the risk of a change, ordered from harmless to data loss.
type Level int

const (
	// Ignored: noise, not shown by default (label churn of a chart bump).
	Ignored Level = iota
	// Safe: applied in place, no pod restarts, no interruption.
	Safe
	// Restart: pods are replaced by a rolling update (or will be, on
	// deletion, for OnDelete workloads).
	Restart
	// Disruptive: an interruption is likely (downtime, lost traffic), or the
	// upgrade fails or forces a replacement because an immutable field
	// changes.
	Disruptive
	// Destructive: data can be lost (volumes, claims, namespaces, custom
	// resources deleted).
	Destructive
)

var levelNames = []string{"ignored", "safe", "restart", "disruptive", "destructive"}

// Levels returns the level names, from lowest to highest.
func Levels() []string { return append([]string(nil), levelNames...) }

func (l Level) String() string {
	if l >= 0 && int(l) < len(levelNames) {
		return levelNames[l]
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Valid reports whether l is one of the defined levels.
func (l Level) Valid() bool { return l >= Ignored && l <= Destructive }

// MarshalText implements [encoding.TextMarshaler].
func (l Level) MarshalText() ([]byte, error) {
	if !l.Valid() {
		return nil, fmt.Errorf("invalid level %d", int(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler].
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err == nil {
		*l = v
	}
	return err
}

// ParseLevel reads a level name.
func ParseLevel(s string) (Level, error) {
	for i, n := range levelNames {
		if n == s {
			return Level(i), nil
		}
	}
	return 0, fmt.Errorf("unknown level %q (want one of ignored, safe, restart, disruptive, destructive)", s)
}

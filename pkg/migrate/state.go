package migrate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// State is the record of a migration's progress, kept in a file beside the
// migration file, so that an interrupted run resumes where it stopped.
type State struct {
	Version   int       `json:"version"`
	Migration string    `json:"migration"`
	Component Component `json:"component"`
	// Source and Target are the releases' refs when the run started: a
	// state does not carry over to a migration file that moves something
	// else.
	Source string `json:"source"`
	Target string `json:"target"`
	// Done maps step ids to when they finished.
	Done map[string]time.Time `json:"done"`
	// Paused, Fenced and Promoted are the facts a rollback or an abort
	// needs: what to undo.
	Paused bool `json:"paused"`
	// PausedAt is when the clients were paused, to report the pause.
	PausedAt *time.Time `json:"pausedAt,omitempty"`
	// Cut is the component's switch-over (every topology but cluster).
	Cut
	// Shards are the switch-overs of a cluster's shards (topology
	// cluster), shard 1 first.
	Shards []*Cut `json:"shards,omitempty"`
	// Holder is the runner that holds the migration's lock (its Lease),
	// or held it last.
	Holder *Holder `json:"holder,omitempty"`
	// Finished is set when the last step is done.
	Finished *time.Time `json:"finished,omitempty"`
	// SourceDeleted is set when delete-source uninstalled the source.
	SourceDeleted *time.Time `json:"sourceDeleted,omitempty"`
	// Log is what happened, oldest first.
	Log []Event `json:"log"`

	// fresh says that there was no state file.
	fresh bool
}

// RedisStream is a point of a redis replication stream.
type RedisStream struct {
	ReplID string `json:"replID"`
	Offset int64  `json:"offset"`
}

// Cut is the state of one switch-over of writes from the source to the
// target: fenced, caught up, compared, promoted.
type Cut struct {
	Fenced   bool `json:"fenced"`
	Promoted bool `json:"promoted"`
	// FencePosition is the source's WAL LSN (postgres) or replication
	// offset (redis) when it was fenced: every acknowledged write is at or
	// before it.
	FencePosition string `json:"fencePosition,omitempty"`
	// FenceStream is, for redis, the source's replication ID and offset
	// when it was fenced: the target is caught up only with that stream at
	// that offset (a source restarted without persistence starts another,
	// and a target following it would throw its copy away).
	FenceStream *RedisStream `json:"fenceStream,omitempty"`
	// SavedConfig holds source settings the fence changed, to restore
	// them on a rollback (redis).
	SavedConfig map[string]string `json:"savedConfig,omitempty"`
	// Source is the server the fence is on when it is not the file's
	// source address (a shard's master, host:port as its cluster
	// announces it), which a rollback unfences.
	Source string `json:"source,omitempty"`
}

// shard returns shard i's switch-over (1-based), making it when new.
func (st *State) shard(i int) *Cut {
	for len(st.Shards) < i {
		st.Shards = append(st.Shards, &Cut{})
	}
	return st.Shards[i-1]
}

// Event is one entry of the state's log.
type Event struct {
	At   time.Time `json:"at"`
	Step string    `json:"step,omitempty"`
	What string    `json:"what"`
}

// StatePath is the default state file of a migration file: beside it,
// named after it.
func StatePath(migrationFile string) string {
	return strings.TrimSuffix(migrationFile, filepath.Ext(migrationFile)) + ".state.json"
}

// newState starts the record of a migration.
func newState(m *Migration) *State {
	return &State{Version: 1, Migration: m.Name, Component: m.Component,
		Source: m.Source.Ref(), Target: m.Target.Ref(), Done: map[string]time.Time{}}
}

// loadState reads the state file, or starts a new record when there is
// none. A state of another migration is an error.
func loadState(path string, m *Migration) (*State, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		st := newState(m)
		st.fresh = true
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s: not a state file: %v", path, err)
	}
	if st.Version != 1 {
		return nil, fmt.Errorf("%s: unknown state version %d", path, st.Version)
	}
	if st.Migration != m.Name || st.Component != m.Component || st.Source != m.Source.Ref() || st.Target != m.Target.Ref() {
		return nil, fmt.Errorf("%s: the state is of migration %q (%s, %s -> %s), not of this file's %q (%s, %s -> %s); use another --state file",
			path, st.Migration, st.Component, st.Source, st.Target, m.Name, m.Component, m.Source.Ref(), m.Target.Ref())
	}
	if st.Done == nil {
		st.Done = map[string]time.Time{}
	}
	return &st, nil
}

// save writes the state atomically: a temporary file, synced, renamed over
// the old one, and the directory synced, so a crash leaves the old state
// or the new one, never half of either.
func (st *State) save(path string) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func (st *State) log(step, format string, args ...any) {
	st.Log = append(st.Log, Event{At: time.Now().UTC().Truncate(time.Millisecond), Step: step, What: fmt.Sprintf(format, args...)})
}

// lockFile takes the local lock of a state file (a file beside it, flock'ed):
// two runs of one migration at a time would race each other.
func lockFile(statePath string) (unlock func(), err error) {
	path := statePath + ".lock"
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		who := strings.TrimSpace(string(holder))
		if who != "" {
			who = " (pid " + who + ")"
		}
		return nil, fmt.Errorf("another safediff migrate holds %s%s; wait for it, or stop it", path, who)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		f.Truncate(0)
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

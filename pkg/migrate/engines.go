package migrate

import (
	"fmt"
	"net"
	"strconv"
)

// secret reads a credential from the environment.
func secret(getenv func(string) string, name, what string) (string, error) {
	if name == "" {
		return "", nil
	}
	v := getenv(name)
	if v == "" {
		return "", fmt.Errorf("the environment variable %s (%s) is not set", name, what)
	}
	return v, nil
}

func hostPort(addr string) (string, int) {
	h, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return h, n
}

// eachMember reads lines (client sessions) from every server of an
// instance and names the replica each of theirs comes from.
func eachMember(in Instance, read func(addr string) ([]string, error)) ([]string, error) {
	var out []string
	for _, addr := range in.members() {
		lines, err := read(addr)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			if addr != in.Address {
				l = "on the replica " + addr + ": " + l
			}
			out = append(out, l)
		}
	}
	return out, nil
}

func orErr(err error, msg string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%s", msg)
}

// liveState is what the servers say about where a migration stands,
// whatever the state file says: abort and delete-source act on it.
type liveState struct {
	targetReachable bool
	// targetPromoted: the target is not a replica any more.
	targetPromoted bool
	// targetWritable: the target takes writes (a primary, not fenced).
	targetWritable bool
	targetErr      error
	sourceFenced   bool
	sourceErr      error
}

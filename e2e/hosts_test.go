package e2e

import (
	"os"
	"strings"
	"sync"
)

// WebKit resolves names with the system resolver and has no option to map
// them, so while it runs the test names are written into /etc/hosts (the
// file is rewritten in place, since it may be a bind mount) and removed
// afterwards. Each line the suite adds ends with hostsMarker, so lines left
// by a run that died are removed by the next one.

const (
	hostsFile   = "/etc/hosts"
	hostsMarker = "# crosssession-e2e"
)

var hostsMu sync.Mutex

// hostsAdded records that this process wrote /etc/hosts lines, for
// TestMain's last-chance cleanup.
var hostsAdded bool

func checkHostsWritable() error {
	f, err := os.OpenFile(hostsFile, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	return f.Close()
}

// withoutTestHosts returns the file's lines without the suite's own.
func withoutTestHosts(data string) []string {
	var keep []string
	for line := range strings.SplitSeq(strings.TrimRight(data, "\n"), "\n") {
		if !strings.HasSuffix(line, hostsMarker) {
			keep = append(keep, line)
		}
	}
	return keep
}

func addTestHosts() error {
	hostsMu.Lock()
	defer hostsMu.Unlock()
	data, err := os.ReadFile(hostsFile)
	if err != nil {
		return err
	}
	lines := withoutTestHosts(string(data))
	for _, name := range testNames {
		lines = append(lines, "127.0.0.1 "+name+" "+hostsMarker)
	}
	if err := os.WriteFile(hostsFile, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	hostsAdded = true
	return nil
}

func removeTestHosts() error {
	hostsMu.Lock()
	defer hostsMu.Unlock()
	data, err := os.ReadFile(hostsFile)
	if err != nil {
		return err
	}
	lines := withoutTestHosts(string(data))
	if len(lines) == len(strings.Split(strings.TrimRight(string(data), "\n"), "\n")) {
		hostsAdded = false
		return nil
	}
	if err := os.WriteFile(hostsFile, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	hostsAdded = false
	return nil
}

package crosssession_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestEveryReasonIsInTheTroubleshootingTable: each reason code of
// reasons.go has a row in the README's troubleshooting table, and the table
// names no code that no longer exists.
func TestEveryReasonIsInTheTroubleshootingTable(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("reasons.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(readme), "## Troubleshooting")
	table, _, _ = strings.Cut(table, "And the failures no server can see")
	codes := map[string]bool{}
	for _, m := range regexp.MustCompile(`reason\{"([a-z-]+)"`).FindAllStringSubmatch(string(src), -1) {
		codes[m[1]] = true
		if !strings.Contains(table, "| `"+m[1]+"` |") {
			t.Errorf("reason %q has no row in the README's troubleshooting table", m[1])
		}
	}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\|").FindAllStringSubmatch(table, -1) {
		if !codes[m[1]] {
			t.Errorf("the troubleshooting table lists %q, which is no reason code", m[1])
		}
	}
	if len(codes) < 10 {
		t.Fatalf("found %d reason codes in reasons.go", len(codes))
	}
}

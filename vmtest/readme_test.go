package vmtest_test

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEExample: the test file in README.md's "Testing your code with
// vmtest" is readme_example_test.go, which runs, so it cannot go stale.
func TestREADMEExample(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Skip("no README.md beside the package:", err)
	}
	_, section, ok := strings.Cut(string(readme), "## Testing your code with vmtest\n")
	_, block, ok2 := strings.Cut(section, "```go\n")
	block, _, ok3 := strings.Cut(block, "```\n")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md has no Go block in its vmtest section")
	}
	file, err := os.ReadFile("readme_example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(string(file), "package vmtest_test", "package deploy_test", 1)
	if block != want {
		t.Errorf("README.md's test file differs from readme_example_test.go:\n%s", block)
	}
}

package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vmconn/vmconn/vmtest"
)

func TestDemoWhereVmtestCannotRun(t *testing.T) {
	t.Parallel()
	for name, startErr := range map[string]error{
		"unsupported": vmtest.ErrUnsupported,
		"other":       fmt.Errorf("vmtest: cannot start server: %w", errors.New("no space left")),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, err := startDemoServer(func(vmtest.Options) (*vmtest.Server, error) { return nil, startErr })
			var out strings.Builder
			code := exitCodeTo(&out, err)
			msg := out.String()
			if srv != nil || code != 1 || strings.Count(msg, "\n") != 1 ||
				!strings.HasPrefix(msg, "vmconn: demo") || strings.Count(msg, "vmconn: ") != 1 {
				t.Errorf("exit %d, message %q: want exit 1 and one line that starts \"vmconn: demo\"", code, msg)
			}
			if name == "unsupported" && !strings.Contains(msg, "cannot run on") {
				t.Errorf("message %q does not say the demo cannot run here", msg)
			}
		})
	}
}

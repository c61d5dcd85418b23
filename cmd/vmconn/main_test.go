package main

import (
	"bytes"
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/vmconn/vmconn/vmtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" { // the test binary playing the CLI
		main()
	}
	// reapMaster waits for a master the tests started; it may outlive them
	// (in the test binary, package main goes by its import path).
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/vmconn/vmconn/cmd/vmconn.reapMaster"))
}

// cliRun runs the CLI with args and returns its stdout, stderr and exit
// status, as main would.
func cliRun(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return cliRunWith(t, nil, args...)
}

// cliRunWith is cliRun with writers that may react to the output.
func cliRunWith(t *testing.T, out *lockedBuffer, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if out == nil {
		out = &lockedBuffer{}
	}
	var errOut lockedBuffer
	root := newRootCmdFor(&globalFlags{}, args)
	root.SetArgs(args)
	root.SetOut(out)
	root.SetErr(&errOut)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	code = exitCodeTo(&errOut, err)
	return out.String(), errOut.String(), code
}

// cliServer starts a vmtest server and returns the flags that reach it.
func cliServer(t *testing.T) (*vmtest.Server, []string) {
	srv := vmtest.NewServer()
	t.Cleanup(srv.Close)
	return srv, []string{"-i", srv.ClientKeyFile(), "--known-hosts", srv.KnownHostsFile()}
}

// lockedBuffer is a bytes.Buffer safe for concurrent use, which can run
// a function once its content contains a string.
type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	when   string
	do     func()
	called bool
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.b.Write(p)
	if b.do != nil && !b.called && bytes.Contains(b.b.Bytes(), []byte(b.when)) {
		b.called = true
		go b.do()
	}
	return n, err
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

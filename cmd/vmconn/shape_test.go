package main

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// parseCLI parses the command's non-test source files.
func parseCLI(t *testing.T) (*token.FileSet, map[string]*ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	names, _ := filepath.Glob("*.go")
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = f
	}
	return fset, files
}

// TestCLIShape: subcommands are listed explicitly (no init), every exit
// status is a constant of one block, and the streams are cobra's.
func TestCLIShape(t *testing.T) {
	t.Parallel()
	fset, files := parseCLI(t)
	exitBlocks := map[string]bool{}
	for name, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if n.Name.Name == "init" && n.Recv == nil {
					t.Errorf("%s: func init: list the subcommand in root.go instead", fset.Position(n.Pos()))
				}
			case *ast.GenDecl:
				for _, spec := range n.Specs {
					if vs, ok := spec.(*ast.ValueSpec); ok && n.Tok == token.CONST && strings.HasPrefix(vs.Names[0].Name, "exit") {
						exitBlocks[fset.Position(n.Pos()).String()] = true
					}
				}
			case *ast.SelectorExpr:
				if id, ok := n.X.(*ast.Ident); ok && id.Name == "os" && strings.HasPrefix(n.Sel.Name, "Std") {
					t.Errorf("%s: os.%s: use cobra's streams", fset.Position(n.Pos()), n.Sel.Name)
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "code" {
					if _, lit := n.Value.(*ast.BasicLit); lit {
						t.Errorf("%s: exit status as a literal: name it in the exit block", fset.Position(n.Pos()))
					}
				}
			}
			return true
		})
		_ = name
	}
	if len(exitBlocks) != 1 {
		t.Errorf("exit statuses declared in %d places (%v); want one block", len(exitBlocks), exitBlocks)
	}
}

// TestExecReadsCobraStdin: exec's standard input is the command's
// InOrStdin, so the CLI can be driven in-process.
func TestExecReadsCobraStdin(t *testing.T) {
	t.Parallel()
	srv, flags := cliServer(t)
	root := newRootCmd()
	var out, errOut lockedBuffer
	root.SetArgs(append(append([]string{"exec"}, flags...), srv.Addr(), "cat"))
	root.SetIn(strings.NewReader("from cobra's stdin\n"))
	root.SetOut(&out)
	root.SetErr(&errOut)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if code := exitCodeTo(&errOut, root.ExecuteContext(ctx)); code != 0 || out.String() != "from cobra's stdin\n" {
		t.Errorf("code %d stdout %q stderr %q", code, out.String(), errOut.String())
	}
}

// TestWarningsOnCobraStderr: ssh_config warnings go to the command's
// ErrOrStderr.
func TestWarningsOnCobraStderr(t *testing.T) {
	t.Parallel()
	srv, flags := cliServer(t)
	file := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(file, []byte("Host *\n  VerifyHostKeyDNS yes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := cliRun(t, append(append([]string{"exec", "-F", file}, flags...), srv.Addr(), "true")...)
	if code != 0 || !strings.Contains(stderr, "VerifyHostKeyDNS") {
		t.Errorf("code %d stderr %q", code, stderr)
	}
}

// TestRebootFlagsNotShared: a subcommand's own settings (reboot's
// --command) do not leak into the flags the other subcommands share.
func TestRebootFlagsNotShared(t *testing.T) {
	t.Parallel()
	g := &globalFlags{}
	root := newRootCmdWith(g)
	root.SetArgs([]string{"reboot", "--command", "my-reboot", "--connect-timeout", "1ms", "127.0.0.1:1"})
	root.SetOut(&lockedBuffer{})
	root.SetErr(&lockedBuffer{})
	_ = root.ExecuteContext(context.Background())
	cfg, err := g.config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RebootCommand != "" || cfg.OnEvent != nil {
		t.Errorf("shared flags changed by reboot: RebootCommand %q, OnEvent set %v", cfg.RebootCommand, cfg.OnEvent != nil)
	}
}

// TestSubcommandNames: each entry of the subcommand table builds the
// command it is named for, so that a call naming it gets that command
// alone (newRootCmdFor), and the full tree has each name once.
func TestSubcommandNames(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, s := range subcommands {
		if got := s.build(&globalFlags{}).Name(); got != s.name {
			t.Errorf("subcommands entry %q builds %q", s.name, got)
		}
		if seen[s.name] {
			t.Errorf("subcommand %q listed twice", s.name)
		}
		seen[s.name] = true
	}
	for _, args := range [][]string{{"exec", "h", "true"}, {"control", "stop", "h"}, {"-v", "exec"}, {"help"}, {"nosuch"}, nil} {
		root := newRootCmdFor(&globalFlags{}, args)
		want := len(subcommands)
		if len(args) > 0 && seen[args[0]] {
			want = 1
		}
		if got := len(root.Commands()); got != want {
			t.Errorf("newRootCmdFor(%q): %d subcommands, want %d", args, got, want)
		}
	}
}

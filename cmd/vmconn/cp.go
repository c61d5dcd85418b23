package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/transfer"
	"golang.org/x/term"
)

// cpFlags are the flags of "vmconn cp".
type cpFlags struct {
	recursive bool
	verify    bool
	times     bool
	quiet     bool
	special   bool
}

func newCpCmd(g *globalFlags) *cobra.Command {
	var f cpFlags
	cmd := &cobra.Command{
		Use:   "cp [flags] SRC... DST",
		Short: "Copy files and directories to or from a host over SFTP, like scp",
		Long: `Copy files and directories between this machine and a host over SFTP.
A remote operand is written as scp writes it: [user@]host:path, with an IPv6
address in brackets ([user@][addr]:path), and a port as [user@][host]:port:path
(host:port:path is refused as ambiguous; -p also sets the port); a relative path is relative to the
remote home, and an empty one is the home itself. Name local files that
contain a colon as ./file:name. One side must be remote, the other local.

If DST is an existing directory, or several sources are given, each source is
copied into it under its own name; otherwise DST names the copy. Directories
need -r. Permission bits are kept (and times with --preserve-times); a
download drops setuid, setgid and sticky bits, as scp does, unless
--keep-special-bits. Every file is written under a temporary name and
renamed into place, so an interrupted copy never leaves a half-written file;
--verify also compares SHA-256 checksums (sha256sum must exist on the host).
A download never writes outside its destination, whatever the server lists:
a name such as ".." or one listed twice fails the copy, and local symbolic
links are not followed beyond DST itself.

Host names go through ~/.ssh/config (or -F), as for ssh; -J names jump hosts.
A progress bar is shown when stderr is a terminal, unless -q.

Exit status: 0 copied, 1 a copy failed, 2 bad usage, 255 connection failure.

With --json, one object is printed at the end:
  {"host":H,"direction":"upload"|"download","files":N,"bytes":N,
   "duration_ms":N,"class":C,"error":E}
counting the files and bytes copied (class as for exec: ok, failed, ...).`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd, g, args[:len(args)-1], args[len(args)-1])
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&f.recursive, "recursive", "r", false, "copy directories recursively")
	fl.BoolVar(&f.verify, "verify", false, "compare SHA-256 checksums of every copied file")
	fl.BoolVar(&f.times, "preserve-times", false, "keep modification times")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress bar")
	fl.BoolVar(&f.special, "keep-special-bits", false, "keep setuid, setgid and sticky bits of downloaded files")
	g.registerBootID(cmd)
	return cmd
}

// operand is one side of a copy.
type operand struct {
	host string // "" for a local path
	path string
	err  error // why the operand is refused
}

// parseOperand splits "[user@]host:path" (scp's rule: a colon before any
// slash, brackets around IPv6) from a local path.
func parseOperand(s string) operand {
	bracket := strings.HasPrefix(s, "[")
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '/':
			return operand{path: s}
		case c == '@' && i+1 < len(s) && s[i+1] == '[':
			bracket = true
		case c == ']' && bracket && i+1 < len(s) && s[i+1] == ':':
			return remoteOperand(s[:i+1], s[i+2:])
		case c == ':' && !bracket && i > 0:
			return remoteOperand(s[:i], s[i+1:])
		}
	}
	return operand{path: s}
}

// remoteOperand takes a port from "[host]:port:path" and refuses
// "host:port:path", which scp reads as the file "port:path" on port 22.
func remoteOperand(host, path string) operand {
	if port, rest, ok := strings.Cut(path, ":"); ok && isPort(port) {
		if !strings.HasSuffix(host, "]") {
			return operand{err: fmt.Errorf("vmconn: cp: %s:%s is ambiguous: write %s:%s for port %s, or %[1]s:./%[2]s for a file named so",
				host, path, bracketed(host), path, port)}
		}
		host, path = host+":"+port, rest
	}
	if path == "" {
		path = "."
	}
	return operand{host: host, path: path}
}

// isPort reports whether s is a port number.
func isPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n > 0 && n <= 65535 && s[0] != '0'
}

// hostOnly drops a "user@" from host.
// bracketed writes user@host as user@[host], the form that takes a port.
func bracketed(host string) string {
	at := strings.LastIndexByte(host, '@') + 1
	return host[:at] + "[" + host[at:] + "]"
}

func (f *cpFlags) run(cmd *cobra.Command, g *globalFlags, srcArgs []string, dstArg string) error {
	dst := parseOperand(dstArg)
	srcs := make([]operand, len(srcArgs))
	for i, a := range srcArgs {
		srcs[i] = parseOperand(a)
	}
	host, upload, err := cpDirection(srcs, dst)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if len(srcs) > 1 && !strings.HasSuffix(dst.path, "/") {
		dst.path += "/" // several sources: DST must be a directory
	}
	start, tally := time.Now(), &cpTally{}
	err = f.copyAll(cmd, g, host, upload, srcs, dst, tally)
	if g.json {
		return tally.printJSON(cmd.OutOrStdout(), host, upload, start, err)
	}
	return err
}

// copyAll copies every source, counting into tally.
func (f *cpFlags) copyAll(cmd *cobra.Command, g *globalFlags, host string, upload bool, srcs []operand, dst operand, tally *cpTally) error {
	c, err := g.dial(cmd.Context(), host)
	if err != nil {
		return err
	}
	defer c.Close()
	bar := newProgressBar(cmd.ErrOrStderr(), !f.quiet && !g.json && isTerminal(cmd.ErrOrStderr()))
	defer bar.done()
	opts := &transfer.Options{Verify: f.verify, PreserveTimes: f.times, KeepSpecialBits: f.special, Progress: func(p transfer.Progress) {
		tally.update(p)
		bar.update(p)
	}}
	for _, src := range srcs {
		err := f.copyOne(cmd, c, upload, src.path, dst.path, opts)
		tally.add()
		if err != nil {
			return err
		}
	}
	return nil
}

// cpDirection checks that exactly one side is remote, on one host.
func cpDirection(srcs []operand, dst operand) (host string, upload bool, err error) {
	for _, o := range append([]operand{dst}, srcs...) {
		if o.err != nil {
			return "", false, o.err
		}
	}
	host, upload = dst.host, dst.host != ""
	for _, s := range srcs {
		switch {
		case upload && s.host != "":
			return "", false, errors.New("vmconn: cp: copying between two hosts is not supported")
		case !upload && s.host == "":
			return "", false, fmt.Errorf("vmconn: cp: %s and %s are both local (write host:path for the remote side)", s.path, dst.path)
		case !upload && host != "" && s.host != host:
			return "", false, errors.New("vmconn: cp: all sources must be on the same host")
		case !upload:
			host = s.host
		}
	}
	return host, upload, nil
}

// copyOne copies one source, refusing directories without -r as scp does.
func (f *cpFlags) copyOne(cmd *cobra.Command, c *vmconn.Client, upload bool, src, dst string, opts *transfer.Options) error {
	ctx := cmd.Context()
	isDir, err := f.isDir(cmd, c, upload, src)
	if err != nil {
		return &exitError{code: exitFailed, err: vmErr("cp", err)}
	}
	if isDir && !f.recursive {
		return &exitError{code: exitFailed, err: fmt.Errorf("vmconn: cp: %s is a directory (use -r)", src)}
	}
	if upload {
		err = transfer.Upload(ctx, c, src, dst, opts)
	} else {
		err = transfer.Download(ctx, c, src, dst, opts)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, vmconn.ErrConnLost), errors.Is(err, vmconn.ErrClosed):
		return &exitError{code: exitConnError, err: err}
	}
	return &exitError{code: exitFailed, err: err}
}

// isDir stats the source, locally or over SFTP.
func (f *cpFlags) isDir(cmd *cobra.Command, c *vmconn.Client, upload bool, src string) (bool, error) {
	if upload {
		st, err := os.Stat(src)
		return err == nil && st.IsDir(), err
	}
	s, err := transfer.Open(cmd.Context(), c)
	if err != nil {
		return false, err
	}
	defer s.Close()
	if src == "~" {
		src = "."
	}
	st, err := s.Stat(strings.TrimPrefix(src, "~/"))
	if err != nil {
		return false, fmt.Errorf("%s: %w", src, err)
	}
	return st.IsDir(), nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressBar draws one line on a terminal, at most ten times a second:
// "name  42%  84.0 MiB / 200.0 MiB  35.2 MiB/s". A disabled bar draws
// nothing.
type progressBar struct {
	w       io.Writer
	enabled bool
	start   time.Time
	now     func() time.Time

	mu    sync.Mutex
	last  time.Time
	drawn bool
}

func newProgressBar(w io.Writer, enabled bool) *progressBar {
	return &progressBar{w: w, enabled: enabled, start: time.Now(), now: time.Now}
}

// update is a transfer.Options.Progress callback.
func (b *progressBar) update(p transfer.Progress) {
	if !b.enabled {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if now.Sub(b.last) < 100*time.Millisecond && p.Bytes < p.Total {
		return
	}
	b.last, b.drawn = now, true
	fmt.Fprintf(b.w, "\r%s\x1b[K", progressLine(p, now.Sub(b.start)))
}

// done ends the line.
func (b *progressBar) done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprintln(b.w)
		b.drawn = false
	}
}

// progressLine renders one state of the bar.
func progressLine(p transfer.Progress, elapsed time.Duration) string {
	pct := 100
	if p.Total > 0 {
		pct = int(p.Bytes * 100 / p.Total)
	}
	rate := ""
	if s := elapsed.Seconds(); s > 0 {
		rate = "  " + mib(int64(float64(p.Bytes)/s)) + "/s"
	}
	name := filepath.Base(p.Path)
	if p.Path == "" {
		name = "done"
	}
	return fmt.Sprintf("%s  %3d%%  %s / %s%s", name, pct, mib(p.Bytes), mib(p.Total), rate)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

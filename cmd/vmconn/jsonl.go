package main

import (
	"encoding/json"
	"io"
	"sync"
	"unicode/utf8"
)

// The JSON-lines schema of --json for the subcommands that stream output
// (exec, exec -H, guard, long, attach); jsonHelp documents it.
const jsonHelp = `With --json, stdout carries JSON lines, printed as things happen, so that
output of any size streams without being held in memory:
  {"type":"start","host":H,"job_id":ID}                  (long, attach)
  {"type":"output","host":H,"stream":"stdout"|"stderr","offset":N,"data":S}
      one per chunk of output as it arrives; offset is the chunk's byte offset
      in its stream; a chunk that is not UTF-8 has "data_base64" instead of "data"
  {"type":"end","host":H,"class":C,"exit_status":N,"duration_ms":N,
   "stdout_bytes":N,"stderr_bytes":N, ...}
      one per host when it is done: exit_status is the command's (-1 when it
      has none); "signal" names a killing signal; "error" says what went wrong;
      class is ok, failed, unreachable, auth, error, rebooted (guard), lost or
      detached (jobs); guard, and a call --boot-id stopped, add "old_boot_id",
      "new_boot_id" and "rebooted";
      long and attach add "job_id". The process's exit status is as without --json.`

// maxChunk bounds the data of one output object.
const maxChunk = 64 << 10

// outputObj is one chunk of output.
type outputObj struct {
	Type       string `json:"type"`
	Host       string `json:"host"`
	Stream     string `json:"stream"`
	Offset     int64  `json:"offset"`
	Data       string `json:"data,omitempty"`
	DataBase64 []byte `json:"data_base64,omitempty"`
}

// endObj is one host's outcome.
type endObj struct {
	Type        string `json:"type"`
	Host        string `json:"host"`
	JobID       string `json:"job_id,omitempty"`
	Class       string `json:"class"`
	ExitStatus  int    `json:"exit_status"`
	Signal      string `json:"signal,omitempty"`
	Error       string `json:"error,omitempty"`
	DurationMS  int64  `json:"duration_ms"`
	StdoutBytes int64  `json:"stdout_bytes"`
	StderrBytes int64  `json:"stderr_bytes"`
	Rebooted    *bool  `json:"rebooted,omitempty"`
	OldBootID   string `json:"old_boot_id,omitempty"`
	NewBootID   string `json:"new_boot_id,omitempty"`
}

// jsonLines prints the schema's objects, one a line; safe for
// concurrent use.
type jsonLines struct {
	mu  sync.Mutex
	enc *json.Encoder
	err error // the first write error
}

func newJSONLines(w io.Writer) *jsonLines {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &jsonLines{enc: enc}
}

// print writes one object.
func (j *jsonLines) print(v any) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err == nil {
		j.err = j.enc.Encode(v)
	}
	return j.err
}

// streams returns the writers of host's stdout and stderr, whose first
// bytes are at the given offsets.
func (j *jsonLines) streams(host string, stdoutFrom, stderrFrom int64) (stdout, stderr *jsonStream) {
	return &jsonStream{j: j, host: host, name: "stdout", offset: stdoutFrom},
		&jsonStream{j: j, host: host, name: "stderr", offset: stderrFrom}
}

// jsonStream turns one stream's writes into output objects. It holds back
// at most the 3 bytes of a UTF-8 sequence cut by a chunk's end.
type jsonStream struct {
	j       *jsonLines
	host    string
	name    string
	mu      sync.Mutex
	offset  int64 // of pending's first byte
	pending []byte
}

func (s *jsonStream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := len(p)
	for len(p) > 0 {
		n := min(len(p), maxChunk-len(s.pending))
		s.pending = append(s.pending, p[:n]...)
		p = p[n:]
		keep := 0
		if len(s.pending) < maxChunk {
			keep = cutRune(s.pending)
		}
		if err := s.emit(len(s.pending) - keep); err != nil {
			return total - len(p), err
		}
	}
	return total, nil
}

// emit prints pending's first n bytes and keeps the rest.
func (s *jsonStream) emit(n int) error {
	if n == 0 {
		return nil
	}
	o := outputObj{Type: "output", Host: s.host, Stream: s.name, Offset: s.offset}
	if data := s.pending[:n]; utf8.Valid(data) {
		o.Data = string(data)
	} else {
		o.DataBase64 = data
	}
	err := s.j.print(o)
	s.offset += int64(n)
	s.pending = append(s.pending[:0], s.pending[n:]...)
	return err
}

// flush prints what is held back and returns the stream's end offset.
func (s *jsonStream) flush() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.emit(len(s.pending))
	return s.offset
}

// cutRune returns the length of an incomplete UTF-8 sequence ending b.
func cutRune(b []byte) int {
	for i := 1; i <= min(3, len(b)); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return 0
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(b[len(b)-i:]) {
				return 0
			}
			return i
		}
	}
	return 0
}

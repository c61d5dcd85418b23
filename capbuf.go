package vmconn

// cappedBuffer keeps the first max bytes written to it and drops the
// rest, reporting every write as complete. It has a Write method only:
// embedding bytes.Buffer would give it ReadFrom, which io.Copy (and so
// x/crypto's session) prefers, and the cap would never apply.
type cappedBuffer struct {
	buf []byte
	max int
}

// Write keeps what fits under the cap.
func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// Bytes returns the bytes kept.
func (b *cappedBuffer) Bytes() []byte { return b.buf }

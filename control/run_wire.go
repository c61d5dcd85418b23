package control

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/vmconn/vmconn"
)

// The request frame's payload is binary, not JSON: a flags byte
// (requestStdin), the boot id's length in one byte, the boot id, and the
// command line, all of the rest. A short-lived caller then does not load
// encoding/json in the common case (see decodeExit), whose first use
// costs it a few tenths of a millisecond.
const requestStdin = 1 // stdin frames follow; else the command's stdin is empty

// errRequest: a request frame that does not decode.
var errRequest = errors.New("malformed request")

// encode returns the request frame's payload.
func (r runRequest) encode() ([]byte, error) {
	if len(r.BootID) > 255 {
		return nil, fmt.Errorf("control: a boot id of %d bytes (at most 255): %w", len(r.BootID), vmconn.ErrConfig)
	}
	var flags byte
	if r.Stdin {
		flags |= requestStdin
	}
	b := make([]byte, 0, 2+len(r.BootID)+len(r.Command))
	b = append(b, flags, byte(len(r.BootID)))
	b = append(b, r.BootID...)
	return append(b, r.Command...), nil
}

// decodeRequest parses a request frame's payload.
func decodeRequest(p []byte) (runRequest, error) {
	if len(p) < 2 || p[0]&^requestStdin != 0 || len(p) < 2+int(p[1]) {
		return runRequest{}, errRequest
	}
	n := int(p[1])
	return runRequest{Stdin: p[0]&requestStdin != 0, BootID: string(p[2 : 2+n]), Command: string(p[2+n:])}, nil
}

// decodeExit parses an exit frame's payload (runExit as JSON). The
// master writes a command that exited with a status and nothing else as
// {"status":N}; that common case is read without encoding/json, for the
// reason above.
func decodeExit(p []byte) (runExit, error) {
	if digits, ok := bytes.CutPrefix(p, []byte(`{"status":`)); ok {
		if digits, ok = bytes.CutSuffix(digits, []byte("}")); ok && plainStatus(digits) {
			n, err := strconv.Atoi(string(digits))
			if err == nil {
				return runExit{Status: n}, nil
			}
		}
	}
	var x runExit
	err := json.Unmarshal(p, &x)
	return x, err
}

// plainStatus reports whether b is a status as encoding/json writes one:
// decimal digits, no sign, no leading zero, at most 9 digits.
func plainStatus(b []byte) bool {
	if len(b) == 0 || len(b) > 9 || (b[0] == '0' && len(b) > 1) {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

package control

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/vmconn/vmconn"
)

// TestRequestRoundTrip: a request decodes to what was encoded, whatever
// bytes its command holds; a boot id too long for its length byte is
// refused as a configuration error.
func TestRequestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, r := range []runRequest{
		{Command: "true"},
		{Command: "cat", Stdin: true, BootID: "0c5f1a34-8f6e-4a43-9d2e-7f5f0e1c2b3a"},
		{Command: "printf '\\x00\\xff'; echo \"$HOME\" \n\t", BootID: "btime:1700000000"},
		{Command: strings.Repeat("x", 128<<10), Stdin: true},
		{Command: "", BootID: strings.Repeat("b", 255)},
	} {
		p, err := r.encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeRequest(p)
		if err != nil || got != r {
			t.Errorf("decode(encode(%.40q)) = %.40q, %v", r.Command, got.Command, err)
		}
	}
	if _, err := (runRequest{Command: "true", BootID: strings.Repeat("b", 256)}).encode(); !errors.Is(err, vmconn.ErrConfig) {
		t.Errorf("boot id of 256 bytes: %v, want ErrConfig", err)
	}
	for _, p := range []string{"", "\x00", "\x02\x00true", "\x00\x05abc", "\xff\x00"} {
		if _, err := decodeRequest([]byte(p)); !errors.Is(err, errRequest) {
			t.Errorf("decodeRequest(%q) = %v, want errRequest", p, err)
		}
	}
}

// FuzzDecodeRequest: any payload either fails to decode or decodes to a
// request that encodes back to the same bytes.
func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte("\x01\x04abcdtrue"))
	f.Add([]byte("\x00\x00"))
	f.Add([]byte("\x01\xffx"))
	f.Fuzz(func(t *testing.T, p []byte) {
		r, err := decodeRequest(p)
		if err != nil {
			return
		}
		back, err := r.encode()
		if err != nil || string(back) != string(p) {
			t.Errorf("decode(%q) = %+v, encodes to %q, %v", p, r, back, err)
		}
	})
}

// TestDecodeExit: every exit the master encodes decodes to itself,
// through the plain-status path or encoding/json.
func TestDecodeExit(t *testing.T) {
	t.Parallel()
	for _, x := range []runExit{
		{}, {Status: 1}, {Status: 255}, {Status: 123456789}, {Status: -1},
		{Status: 130, Signal: "INT", Msg: "interrupted"},
		{Error: "connection lost", Is: []string{"conn-lost"}},
		{Error: "rebooted", Is: []string{"rebooted"}, Addr: "h:22", BootID: "b"},
	} {
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeExit(b)
		if err != nil || !reflect.DeepEqual(got, x) {
			t.Errorf("decodeExit(%s) = %+v, %v", b, got, err)
		}
	}
}

// FuzzDecodeExit: decodeExit agrees with encoding/json on every input.
func FuzzDecodeExit(f *testing.F) {
	for _, s := range []string{`{"status":0}`, `{"status":07}`, `{"status":-3}`, `{"status":1e2}`,
		`{"status":9999999999}`, `{"status": 1}`, `{"status":1,"signal":"KILL"}`, `{"status":}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		got, gotErr := decodeExit(p)
		var want runExit
		wantErr := json.Unmarshal(p, &want)
		if (gotErr == nil) != (wantErr == nil) || gotErr == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("decodeExit(%q) = %+v, %v; encoding/json: %+v, %v", p, got, gotErr, want, wantErr)
		}
	})
}

package vmtest

import (
	"errors"
	"net"
	"testing"
	"time"
)

func TestBlackholeDropsConnects(t *testing.T) {
	b, err := NewBlackhole()
	if errors.Is(err, ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, err = net.DialTimeout("tcp", b.Addr(), 300*time.Millisecond)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("dial = %v; want a timeout", err)
	}
}

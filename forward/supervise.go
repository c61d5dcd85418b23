package forward

import (
	"errors"
	"time"

	"github.com/vmconn/vmconn"
	"golang.org/x/crypto/ssh"
)

// supervise watches the connection the forward runs over; when it is
// lost, it reconnects the client and brings the forward back, until the
// forward or the client is closed.
func (f *Forward) supervise(sc *ssh.Client, done <-chan struct{}) {
	f.emit(EventUp, nil)
	for {
		select {
		case <-f.ctx.Done():
			f.emit(EventClosed, nil)
			return
		case <-done:
			if f.c.Err() == nil && f.c.SSH() == sc {
				done = f.c.Done() // it was an older connection's signal
				continue
			}
		case <-f.lost:
		}
		f.emit(EventDown, f.c.Err())
		var err error
		if sc, done, err = f.relink(); err != nil {
			f.emit(EventClosed, err)
			return
		}
		f.emit(EventUp, nil)
	}
}

// relink reconnects the client and, for a remote forward, requests the
// remote listener again, retrying until it works or the forward or the
// client is closed.
func (f *Forward) relink() (*ssh.Client, <-chan struct{}, error) {
	for {
		err := f.c.Reconnect(f.ctx)
		if err == nil {
			sc, done := f.link()
			if sc == nil {
				err = vmconn.ErrClosed
			} else if err = f.reattach(sc, done); err == nil {
				return sc, done, nil
			}
		}
		if f.ctx.Err() != nil || errors.Is(err, vmconn.ErrClosed) {
			return nil, nil, ErrClosed
		}
		f.emit(EventFailed, err)
		select {
		case <-f.ctx.Done():
			return nil, nil, ErrClosed
		case <-time.After(f.opts.RetryDelay):
		}
	}
}

// link returns the client's current connection and the channel closed
// when it ends.
func (f *Forward) link() (*ssh.Client, <-chan struct{}) {
	done := f.c.Done()
	return f.c.SSH(), done
}

// reattach brings the forward back on a new connection: nothing to do
// for local listeners, a new remote listener for a remote forward.
func (f *Forward) reattach(sc *ssh.Client, done <-chan struct{}) error {
	if f.kind != KindRemote {
		return nil
	}
	return f.listenRemote(sc, done, f.Addr())
}

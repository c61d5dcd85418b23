//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// watchWindow calls resize with t's new size on every SIGWINCH until
// stop is called; stop waits for the watcher to end.
func watchWindow(t *terminal, resize func(rows, cols int)) (stop func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGWINCH)
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		for {
			select {
			case <-sig:
				if rows, cols := t.size(); rows > 0 && cols > 0 {
					resize(rows, cols)
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sig)
		close(done)
		<-ended
	}
}

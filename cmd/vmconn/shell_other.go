//go:build !unix

package main

import "time"

// windowPoll is how often the terminal's size is checked where there is
// no SIGWINCH (Windows).
const windowPoll = 250 * time.Millisecond

// watchWindow calls resize with t's new size whenever a poll finds it
// changed, until stop is called; stop waits for the watcher to end.
func watchWindow(t *terminal, resize func(rows, cols int)) (stop func()) {
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		tick := time.NewTicker(windowPoll)
		defer tick.Stop()
		rows, cols := t.size()
		for {
			select {
			case <-tick.C:
				if r, c := t.size(); r > 0 && c > 0 && (r != rows || c != cols) {
					rows, cols = r, c
					resize(r, c)
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		<-ended
	}
}

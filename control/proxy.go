package control

import (
	"io"
	"sync"

	"golang.org/x/crypto/ssh"
)

// proxy joins a client's channel (down) to the same channel opened on
// the master's connection (up): data both ways, stderr, EOF, requests
// and their replies, and close. It returns when both ends are closed.
func proxy(down ssh.Channel, downReqs <-chan *ssh.Request, up ssh.Channel, upReqs <-chan *ssh.Request) {
	var out sync.WaitGroup // up -> down data: done before exit status and close
	out.Add(2)
	go func() { defer out.Done(); _, _ = io.Copy(down, up) }()
	go func() { defer out.Done(); _, _ = io.Copy(down.Stderr(), up.Stderr()) }()

	// The client's requests are answered before its channel is closed: a
	// quick command's close comes up while the master has yet to pass on
	// the reply to its exec, and a channel closed first fails the
	// client's request with EOF. The machine answers a request only after
	// the master sent it, which it does holding replying.
	var replying sync.Mutex
	var in sync.WaitGroup
	in.Add(2)
	go func() { // the client's input; its EOF goes on
		defer in.Done()
		if _, err := io.Copy(up, down); err == nil {
			_ = up.CloseWrite()
		}
	}()
	go func() { // the client's requests (env, pty-req, exec, signal, window-change)
		defer in.Done()
		forwardRequests(downReqs, up, nil, &replying)
		_ = up.Close() // the client closed its channel
	}()

	// The machine's requests (exit-status, exit-signal, eow@openssh.com),
	// each after the output before it; then the close, after all output.
	forwardRequests(upReqs, down, out.Wait, nil)
	out.Wait()
	replying.Lock()
	_ = down.Close()
	replying.Unlock()
	in.Wait()
}

// forwardRequests sends each request to the other end and its reply
// back, in order. before, if set, runs ahead of exit-status and
// exit-signal, so that they follow every byte of output. replying, if
// set, is held from sending a request to replying to it.
func forwardRequests(reqs <-chan *ssh.Request, to ssh.Channel, before func(), replying *sync.Mutex) {
	for r := range reqs {
		if before != nil && (r.Type == "exit-status" || r.Type == "exit-signal") {
			before()
		}
		if replying != nil {
			replying.Lock()
		}
		ok, err := to.SendRequest(r.Type, r.WantReply, r.Payload)
		if r.WantReply {
			_ = r.Reply(ok && err == nil, nil)
		}
		if replying != nil {
			replying.Unlock()
		}
	}
}

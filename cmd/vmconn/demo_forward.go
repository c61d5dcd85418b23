package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/vmconn/vmconn/forward"
)

// forward shows a local forward that carries HTTP across a dropped link.
func (d *demo) forward(ctx context.Context) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	web := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "hello from the web server")
	}), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan struct{})
	go func() { defer close(served); web.Serve(ln) }()
	defer func() { web.Close(); <-served }()
	f, err := forward.Local(ctx, d.client, "127.0.0.1:0", ln.Addr().String(), nil)
	if err != nil {
		return err
	}
	defer f.Close()
	d.say("forward:       %s (like ssh -L)", f)
	if err := d.fetch(ctx, "before the drop", f.Addr()); err != nil {
		return err
	}
	d.srv.DropConnections()
	d.say("link dropped:  the listener stays; the next connection waits for the reconnect")
	return d.fetch(ctx, "after the drop ", f.Addr())
}

// fetch GETs / through the forward at addr and shows the answer.
func (d *demo) fetch(ctx context.Context, when, addr string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/", nil)
	if err != nil {
		return err
	}
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	start := time.Now()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	d.say("GET %s: %q (%v)", when, body, time.Since(start).Round(time.Millisecond))
	return err
}

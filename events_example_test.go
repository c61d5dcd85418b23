package vmconn_test

import (
	"context"
	"fmt"

	"github.com/vmconn/vmconn"
	"github.com/vmconn/vmconn/vmtest"
)

// Hear of a reconnection, to set up again what lived on the old
// connection (a forward, say).
func ExampleClient_OnEvent() {
	srv := vmtest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	client, err := vmconn.Dial(ctx, srv.Addr(), exampleConfig(srv))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()

	events := make(chan vmconn.EventType, 16)
	stop := client.OnEvent(func(e vmconn.Event) { events <- e.Type }) // on its own goroutine
	defer stop()

	srv.DropConnections() // the link breaks
	<-client.Done()
	out, err := client.Output(ctx, "echo back") // reconnects first
	fmt.Printf("%s%v\n", out, err)
	for t := range events {
		fmt.Println("event:", t)
		if t == vmconn.EventReconnected {
			break
		}
	}
	// Output:
	// back
	// <nil>
	// event: lost
	// event: reconnecting
	// event: reconnected
}

package stream_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/onair-dev/onair/stream"
)

// TestWHIPICERestartKeepsTheSession cuts the publisher's network (every
// packet it sends is dropped) until the connection is lost, then restores
// it: the sink must restart ICE over PATCH on the same session (no new
// POST, same publisher on the server) and media must flow again.
func TestWHIPICERestartKeepsTheSession(t *testing.T) {
	srv, rec, endpoint := localServer(t)
	c := whipClip(t)
	// A drop rate this small never drops: it only puts the loss layer (and
	// its blackhole switch) on the socket.
	w, err := stream.NewWHIP(endpoint, stream.WHIPOptions{Token: whipToken, Timeout: 3 * time.Second,
		ICETimeout: 5 * time.Second, Reconnect: true, DropRate: 1e-12})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var mu sync.Mutex
	var states []string
	w.SetNotify(func(state string, _ error) { mu.Lock(); states = append(states, state); mu.Unlock() })
	if err := w.Open(context.Background(), c.streams); err != nil {
		t.Fatalf("Open: %v", err)
	}
	stop := make(chan struct{})
	done, _ := feed(w, c, stop)
	defer func() { close(stop); <-done }()
	if !waitFor(5*time.Second, func() bool { return videoPackets(srv.Status()) > 30 }) {
		t.Fatalf("no video at the server: %+v", srv.Status())
	}

	w.Blackhole(true)
	time.Sleep(3 * time.Second) // past the 2 s disconnect timeout
	before := videoPackets(srv.Status())
	w.Blackhole(false)

	if !waitFor(8*time.Second, func() bool { return w.Stats().ICERestarts.Load() >= 1 }) {
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("no ICE restart within 8 s; reconnects %d, notices %v", w.Stats().Reconnects.Load(), states)
	}
	if !waitFor(5*time.Second, func() bool { return videoPackets(srv.Status()) > before+30 }) {
		t.Fatalf("no media after the restart: %d packets before, status %+v", before, srv.Status())
	}
	if n := w.Stats().Reconnects.Load(); n != 0 {
		t.Fatalf("reconnected %d times: the restart should have kept the session", n)
	}
	var posts, patches int
	for _, r := range rec.requests() {
		switch r.Method {
		case "POST":
			posts++
		case "PATCH":
			patches++
		}
	}
	if posts != 1 || patches < 1 {
		t.Fatalf("requests: %d POST, %d PATCH; want 1 POST and a PATCH", posts, patches)
	}
	if st := srv.Status(); !st.Live {
		t.Fatalf("server not live after the restart: %+v", st)
	}
}

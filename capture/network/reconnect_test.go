package network

import (
	"sync"
	"testing"
	"time"

	"github.com/onair-dev/onair/internal/nginxrtmp"
)

func TestRTMPReconnectKeepsPTSContinuous(t *testing.T) {
	srv := nginxrtmp.Start(t)
	args := []string{"-re", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25", "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", "3",
		"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-c:a", "aac", "-f", "flv", srv.URL(nginxrtmp.Key)}
	first := publish(t, args...)
	var mu sync.Mutex
	var events []Event
	src := retryNew(t, srv.URL(nginxrtmp.Key), 10*time.Second, WithTimeout(2*time.Second), WithReconnect(true),
		WithOnEvent(func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() }))
	got := make(chan result, 1)
	go func() { got <- collect(t, src, 40*time.Second) }()

	select {
	case <-first.done:
	case <-time.After(15 * time.Second):
		t.Fatal("first publisher did not end")
	}
	before := src.Stats().FramesVideo
	// Longer than the read timeout: the reader gives up and reconnects.
	time.Sleep(3 * time.Second)
	publish(t, args...)
	deadline := time.Now().Add(25 * time.Second)
	for {
		st := src.Stats()
		if st.Reconnects >= 1 && st.FramesVideo > before+25 {
			break
		}
		if time.Now().After(deadline) {
			src.Close()
			t.Fatalf("no frames after reconnect: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	src.Close()
	r := <-got
	if r.err != nil {
		t.Fatal(r.err)
	}
	st := src.Stats()
	mu.Lock()
	t.Logf("reconnect: %d frames (%d before), stats %+v, events %+v", len(r.video), before, st, events)
	mu.Unlock()
	checkMonotonic(t, r)
}

package encode

import (
	"testing"
	"time"

	"github.com/onair-dev/onair/capture/testpattern"
	"github.com/onair-dev/onair/media"
)

// pattern is a non-real-time test pattern source at w x h, 30 fps.
func pattern(t testing.TB, w, h int) *testpattern.Source {
	t.Helper()
	s, err := testpattern.New(testpattern.WithSize(w, h), testpattern.WithRealTime(false))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// wallAt is a fixed wall time for burned-in stamps, so runs are repeatable.
func wallAt(n int64) time.Time {
	return time.UnixMilli(1_700_000_000_000).Add(time.Duration(n) * time.Second / 30)
}

// fastVideo is libx264 at w x h, veryfast zerolatency CBR.
func fastVideo(w, h int) VideoConfig {
	c := DefaultVideo()
	c.Width, c.Height = w, h
	c.Bitrate = 800_000
	return c
}

func openVideo(t testing.TB, cfg VideoConfig) *VideoEncoder {
	t.Helper()
	e, err := OpenVideo(cfg, nil)
	if err != nil {
		t.Fatalf("OpenVideo(%s %dx%d): %v", cfg.Encoder, cfg.Width, cfg.Height, err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func openAudio(t testing.TB, cfg AudioConfig) *AudioEncoder {
	t.Helper()
	e, err := OpenAudio(cfg)
	if err != nil {
		t.Fatalf("OpenAudio(%s): %v", cfg.Encoder, err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// withinTimeout runs f and fails the test (instead of hanging) if it does
// not return within d. A timed-out f is left running: the test binary exits.
func withinTimeout(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
	}
}

// checkPackets asserts common packet invariants: kind, time base, data.
func checkPackets(t *testing.T, pkts []*media.Packet, kind media.Kind, tb media.Rational) {
	t.Helper()
	for i, p := range pkts {
		if p.Kind != kind {
			t.Fatalf("packet %d kind %v, want %v", i, p.Kind, kind)
		}
		if p.TimeBase != tb {
			t.Fatalf("packet %d time base %v, want %v", i, p.TimeBase, tb)
		}
		if len(p.Data) == 0 {
			t.Fatalf("packet %d is empty", i)
		}
	}
}

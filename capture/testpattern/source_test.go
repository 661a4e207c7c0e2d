package testpattern

import (
	"context"
	"testing"
	"time"

	"github.com/onair-dev/onair/media"
)

// item is one delivery in arrival order.
type item struct {
	v *media.VideoFrame
	a *media.AudioFrame
}

func (it item) pts() time.Duration {
	if it.v != nil {
		return it.v.PTS
	}
	return it.a.PTS
}

// collect runs s with unbuffered channels and one reader, so arrival order
// is exactly send order. It fails the test if Run does not finish in time.
func collect(t *testing.T, s *Source, wantVideo, wantAudio bool) []item {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var vc chan *media.VideoFrame
	var ac chan *media.AudioFrame
	if wantVideo {
		vc = make(chan *media.VideoFrame)
	}
	if wantAudio {
		ac = make(chan *media.AudioFrame)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.Run(ctx, vc, ac) }()
	var got []item
	for {
		select {
		case f := <-vc:
			got = append(got, item{v: f})
		case f := <-ac:
			got = append(got, item{a: f})
		case err := <-errc:
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if ctx.Err() != nil {
				t.Fatal("Run timed out")
			}
			return got
		}
	}
}

func TestPTSAndInterleave(t *testing.T) {
	s, err := New(WithRealTime(false), WithLimit(90))
	if err != nil {
		t.Fatal(err)
	}
	items := collect(t, s, true, true)
	var nv int
	var nextStart int64
	for i, it := range items {
		if i > 0 && it.pts() < items[i-1].pts() {
			t.Fatalf("item %d PTS %v after %v: not interleaved in PTS order", i, it.pts(), items[i-1].pts())
		}
		if f := it.v; f != nil {
			if f.Seq != uint64(nv) || f.PTS != time.Duration(nv)*time.Second/30 {
				t.Fatalf("video %d: seq %d pts %v", nv, f.Seq, f.PTS)
			}
			if err := f.Validate(); err != nil {
				t.Fatal(err)
			}
			nv++
			continue
		}
		a := it.a
		if a.Start != nextStart || a.PTS != media.SamplesToDuration(a.Start, 48000) ||
			a.Samples != 960 || a.Channels != 2 || a.SampleRate != 48000 || a.Format != media.SampleS16 {
			t.Fatalf("audio chunk start %d (want %d) pts %v samples %d", a.Start, nextStart, a.PTS, a.Samples)
		}
		if err := a.Validate(); err != nil {
			t.Fatal(err)
		}
		nextStart += 960
	}
	if nv != 90 || nextStart != 3*48000 {
		t.Fatalf("got %d frames, audio to sample %d; want 90, 144000", nv, nextStart)
	}
	// Ties go to video; then audio at 0 and 20 ms comes before frame 1 at 33 ms.
	if items[0].v == nil || items[1].a == nil || items[2].a == nil || items[3].v == nil {
		t.Fatal("first items not in PTS order v0 a0 a20 v33")
	}
}

func TestLimitWithOneStream(t *testing.T) {
	s, _ := New(WithRealTime(false), WithLimit(7), WithFrameRate(25))
	items := collect(t, s, false, true)
	var end int64
	for _, it := range items {
		if it.v != nil {
			t.Fatal("video on a nil channel")
		}
		end = it.a.Start + int64(it.a.Samples)
	}
	// 7 frames at 25 fps = 280 ms = 13440 samples; the last chunk is trimmed.
	if end != 13440 {
		t.Fatalf("audio ends at %d, want 13440", end)
	}
	s, _ = New(WithRealTime(false), WithLimit(5))
	if items := collect(t, s, true, false); len(items) != 5 {
		t.Fatalf("%d frames, want 5", len(items))
	}
}

func TestRunStopsOnCancelAndClose(t *testing.T) {
	for _, viaClose := range []bool{false, true} {
		s, _ := New(WithRealTime(false), WithSize(160, 120))
		ctx, cancel := context.WithCancel(context.Background())
		vc := make(chan *media.VideoFrame)
		errc := make(chan error, 1)
		go func() { errc <- s.Run(ctx, vc, nil) }()
		<-vc
		if viaClose {
			s.Close()
		} else {
			cancel()
		}
		select {
		case err := <-errc:
			if err != nil {
				t.Fatalf("Run returned %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not stop")
		}
		cancel()
		if s.Close() != nil {
			t.Fatal("second Close")
		}
		if err := s.Run(context.Background(), vc, nil); err == nil {
			t.Fatal("second Run accepted")
		}
	}
}

// TestRealTimePacing drives a ManualClock by hand: frame 1 (PTS 33.33 ms)
// must not arrive until the clock passes it.
func TestRealTimePacing(t *testing.T) {
	clk := &media.ManualClock{}
	s, _ := New(WithClock(clk), WithSize(160, 120), WithLimit(3))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	vc := make(chan *media.VideoFrame)
	errc := make(chan error, 1)
	go func() { errc <- s.Run(ctx, vc, nil) }()

	recv := func(within time.Duration) *media.VideoFrame {
		select {
		case f := <-vc:
			return f
		case <-time.After(within):
			return nil
		case <-ctx.Done():
			t.Fatal("timed out")
		}
		return nil
	}
	if f := recv(5 * time.Second); f == nil || f.Seq != 0 {
		t.Fatal("frame 0 not delivered at clock 0")
	}
	// Longer than maxWaitStep, so a source that ignored the clock would be seen.
	if f := recv(50 * time.Millisecond); f != nil {
		t.Fatalf("frame %d delivered at clock 0", f.Seq)
	}
	clk.Advance(33 * time.Millisecond)
	if f := recv(50 * time.Millisecond); f != nil {
		t.Fatalf("frame %d delivered at clock %v", f.Seq, clk.Now())
	}
	clk.Advance(time.Millisecond)
	f := recv(10 * time.Second)
	if f == nil || f.Seq != 1 {
		t.Fatal("frame 1 not delivered after the clock passed 33.3 ms")
	}

	// Behind schedule: no sleeping, the rest arrive at once.
	clk.Advance(time.Hour)
	if f := recv(10 * time.Second); f == nil || f.Seq != 2 {
		t.Fatal("frame 2 not delivered when behind")
	}
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("Run did not end at the limit")
	}
}

// TestRealTimeBothStreams advances the clock from a goroutine and checks
// nothing is delivered ahead of the clock.
func TestRealTimeBothStreams(t *testing.T) {
	clk := &media.ManualClock{}
	s, _ := New(WithClock(clk), WithSize(160, 120), WithLimit(15))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Microsecond):
				clk.Advance(time.Millisecond)
			}
		}
	}()
	vc, ac := make(chan *media.VideoFrame), make(chan *media.AudioFrame)
	errc := make(chan error, 1)
	go func() { errc <- s.Run(ctx, vc, ac) }()
	var frames, chunks int
	for {
		select {
		case f := <-vc:
			if now := clk.Now(); now < f.PTS {
				t.Fatalf("frame %d (PTS %v) delivered at clock %v", f.Seq, f.PTS, now)
			}
			frames++
		case a := <-ac:
			if now := clk.Now(); now < a.PTS {
				t.Fatalf("audio %d (PTS %v) delivered at clock %v", a.Start, a.PTS, now)
			}
			chunks++
		case err := <-errc:
			if err != nil || ctx.Err() != nil {
				t.Fatalf("Run: %v / %v", err, ctx.Err())
			}
			if frames != 15 || chunks != 25 {
				t.Fatalf("%d frames %d chunks, want 15 and 25", frames, chunks)
			}
			return
		}
	}
}
